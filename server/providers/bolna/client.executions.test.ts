import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator } from '../../../simulator/server.js';
import { buildAgentPayload, createBolnaClient, type BolnaClient } from './client.js';
import type { ProviderCallSnapshot } from './mapping.js';
import { parseProviderTime } from './time.js';

/**
 * Listing executions: the client must walk ≤7-day windows and ≤50-item pages to return every execution of
 * a long range exactly once (live Bolna refuses anything larger).
 */

const DAY = 24 * 60 * 60 * 1000;
const FROM = new Date('2026-01-01T00:00:00Z');
const TO = new Date(FROM.getTime() + 20 * DAY);

let sim: RunningSimulator;
let client: BolnaClient;
let agentId: string;
const seeded = new Set<string>();

async function seedHistory(count: number, from: Date, to: Date): Promise<void> {
  const res = await fetch(`${sim.url}/__sim/history`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ agent_id: agentId, count, from: from.toISOString(), to: to.toISOString() }),
  });
  expect(res.status).toBe(200);
  for (const id of ((await res.json()) as { execution_ids: string[] }).execution_ids) seeded.add(id);
}

async function collect(iterable: AsyncIterable<ProviderCallSnapshot>): Promise<ProviderCallSnapshot[]> {
  const out: ProviderCallSnapshot[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

function listRequests() {
  return sim
    .requests()
    .filter((r) => r.url.startsWith(`/v2/agent/${agentId}/executions`))
    .map((r) => new URL(r.url, sim.url).searchParams);
}

beforeAll(async () => {
  sim = await startSimulator({ seed: 77, timeScale: 0.001 });
  client = createBolnaClient({ baseUrl: sim.url, apiKey: sim.apiKey });
  ({ agentId } = await client.createAgent(
    buildAgentPayload({ name: 'History', welcomeMessage: 'Hi', systemPrompt: 'x' }),
  ));
  await seedHistory(80, FROM, new Date(TO.getTime() - 1000)); // spread over 20 days
  await seedHistory(60, new Date(FROM.getTime() + 15 * DAY), new Date(FROM.getTime() + 16 * DAY)); // one busy window
});

afterAll(async () => {
  await sim.close();
});

describe('listAgentExecutions', () => {
  it('returns every execution of a 20-day range once, through ≤7-day windows and ≤50-item pages', async () => {
    const items = await collect(client.listAgentExecutions(agentId, { from: FROM, to: TO }));
    const ids = items.map((item) => item.providerCallId);
    expect(ids).toHaveLength(140);
    expect(new Set(ids)).toEqual(seeded);

    const requests = listRequests();
    expect(requests).toHaveLength(4); // 3 windows; the one with the 60-call burst needs 2 pages
    for (const params of requests) {
      expect(Number(params.get('page_size'))).toBeLessThanOrEqual(50);
      const from = parseProviderTime(params.get('from'));
      const to = parseProviderTime(params.get('to'));
      expect(params.get('from')).toMatch(/\+00:00$/);
      expect(to!.getTime() - from!.getTime()).toBeLessThanOrEqual(7 * DAY);
    }
    const windows = new Set(requests.map((p) => `${p.get('from')}|${p.get('to')}`));
    expect(windows.size).toBe(3);
    expect(requests.some((p) => p.get('page_number') === '2')).toBe(true);
  });

  it('yields mapped (trimmed) snapshots carrying status, duration, creation time and the agent', async () => {
    const items = await collect(
      client.listAgentExecutions(agentId, { from: FROM, to: new Date(FROM.getTime() + 2 * DAY) }),
    );
    expect(items.length).toBeGreaterThan(0);
    for (const item of items) {
      expect(item.status).not.toBeNull();
      expect(item.providerAgentId).toBe(agentId);
      expect(item.providerCreatedAt!.getTime()).toBeGreaterThanOrEqual(FROM.getTime());
      if (item.status === 'completed') expect(item.duration).toBeGreaterThan(0);
      expect(item.transcription).toBeNull(); // trimmed: fetch by id for the rest
    }
  });

  it('passes a status filter in Bolna’s spelling', async () => {
    const all = await collect(client.listAgentExecutions(agentId, { from: FROM, to: TO }));
    const noAnswer = await collect(
      client.listAgentExecutions(agentId, { from: FROM, to: TO, status: 'no_answer' }),
    );
    expect(noAnswer.length).toBe(all.filter((item) => item.status === 'no_answer').length);
    expect(noAnswer.every((item) => item.status === 'no_answer')).toBe(true);
    expect(listRequests().at(-1)?.get('status')).toBe('no-answer');
  });

  it('honours a smaller page size', async () => {
    const before = listRequests().length;
    const items = await collect(
      client.listAgentExecutions(agentId, {
        from: FROM,
        to: new Date(FROM.getTime() + 7 * DAY),
        pageSize: 10,
      }),
    );
    const pages = listRequests().length - before;
    expect(pages).toBe(Math.ceil(items.length / 10) + (items.length % 10 === 0 ? 1 : 0));
  });
});
