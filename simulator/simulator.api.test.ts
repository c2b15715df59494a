import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator } from './server.js';
import { NAIVE_MICROS, simApi, type Json } from './testing.js';

/** The simulator's HTTP surface must match Bolna's paths, status codes and shapes (bolna-api.md). */

let sim: RunningSimulator;
let api: ReturnType<typeof simApi>;
let agentId: string;

beforeAll(async () => {
  sim = await startSimulator({ seed: 3, timeScale: 0.001, outcomes: { completed: 1 } });
  api = simApi(sim);
  agentId = await api.createAgent(null);
});

afterAll(async () => {
  await sim.close();
});

describe('auth', () => {
  it('answers 403 {detail} to a missing or wrong Bearer key, like live Bolna', async () => {
    for (const key of [null, 'not-the-key']) {
      const res = await api.request('GET', '/v2/agent/all', undefined, key);
      expect(res.status).toBe(403);
      expect(typeof (res.body as Json).detail).toBe('string');
    }
  });
});

describe('agents', () => {
  it('creates with 201 {agent_id, state: "created"} and lists a bare array', async () => {
    const created = await api.request('POST', '/v2/agent', {
      agent_config: {
        agent_name: 'Shape',
        tasks: [
          {
            task_type: 'conversation',
            tools_config: {},
            toolchain: { execution: 'parallel', pipelines: [['transcriber', 'llm', 'synthesizer']] },
          },
        ],
      },
      agent_prompts: { task_1: { system_prompt: 'x' } },
    });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({ agent_id: expect.any(String), state: 'created' });
    const list = await api.request('GET', '/v2/agent/all');
    expect(Array.isArray(list.body)).toBe(true);
    const agent = (list.body as Json[]).find((a) => a.id === (created.body as Json).agent_id);
    expect(agent).toMatchObject({
      agent_name: 'Shape',
      agent_status: 'processed',
      agent_prompts: { task_1: { system_prompt: 'x' } },
    });
    expect(agent?.created_at).toMatch(NAIVE_MICROS);
  });

  it('rejects an agent without tasks with a pydantic-style 422', async () => {
    const res = await api.request('POST', '/v2/agent', { agent_config: { agent_name: 'x' } });
    expect(res.status).toBe(422);
    expect((res.body as Json).detail).toEqual([
      expect.objectContaining({ loc: ['body', 'agent_config', 'tasks'], msg: 'Field required' }),
    ]);
  });

  it('answers 404 {detail} for an unknown agent on every verb', async () => {
    for (const method of ['GET', 'PUT', 'PATCH', 'DELETE']) {
      const res = await api.request(
        method,
        '/v2/agent/nope',
        method === 'PUT' || method === 'PATCH' ? {} : undefined,
      );
      expect(res.status).toBe(404);
      expect((res.body as Json).detail).toContain('nope');
    }
  });
});

describe('calls', () => {
  it('answers POST /call with 200 {message: "done", status: "queued", execution_id}', async () => {
    const res = await api.request('POST', '/call', {
      agent_id: agentId,
      recipient_phone_number: '+919876543210',
    });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      message: 'done',
      status: 'queued',
      execution_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
    });
  });

  it('answers 422 naming a number that is not E.164', async () => {
    const res = await api.request('POST', '/call', {
      agent_id: agentId,
      recipient_phone_number: '9876543210',
    });
    expect(res.status).toBe(422);
    expect((res.body as Json).detail).toMatch(/recipient_phone_number '9876543210'.*E\.164/);
  });

  it('fails with 500 on a scheduled_at ending in Z, and accepts +00:00', async () => {
    const at = new Date(Date.now() + 3_600_000).toISOString();
    const z = await api.request('POST', '/call', {
      agent_id: agentId,
      recipient_phone_number: '+919876543210',
      scheduled_at: at,
    });
    expect(z.status).toBe(500);
    const ok = await api.request('POST', '/call', {
      agent_id: agentId,
      recipient_phone_number: '+919876543210',
      scheduled_at: at.replace('Z', '+00:00'),
    });
    expect(ok.status).toBe(200);
    const id = (ok.body as Json).execution_id as string;
    expect((await api.getExecution(id)).status).toBe('scheduled');
    const stop = await api.request('POST', `/call/${id}/stop`);
    expect(stop.body).toEqual({ message: 'done', status: 'stopped', execution_id: id });
  });

  it('refuses to stop a call past the queue and 404s unknown executions', async () => {
    const id = await api.startCall(agentId);
    await sim.waitForIdle();
    expect((await api.request('POST', `/call/${id}/stop`)).status).toBe(400);
    expect((await api.request('GET', '/executions/unknown')).status).toBe(404);
    expect((await api.request('POST', '/call/unknown/stop')).status).toBe(404);
  });
});

const iso = (d: Date) => d.toISOString().replace('Z', '+00:00');

describe('executions list', () => {
  const now = () => new Date();

  it('answers the envelope {data, total, has_more, page_number, page_size} with trimmed items', async () => {
    await api.startCall(agentId);
    await sim.waitForIdle();
    const from = iso(new Date(Date.now() - 3_600_000));
    const q = new URLSearchParams({ from, to: iso(now()), page_size: '2', page_number: '1' });
    const res = await api.request('GET', `/v2/agent/${agentId}/executions?${q}`);
    expect(res.status).toBe(200);
    const body = res.body as Json;
    expect(body).toMatchObject({ total: expect.any(Number), has_more: true, page_number: 1, page_size: 2 });
    const items = body.data as Json[];
    expect(items).toHaveLength(2);
    for (const item of items) {
      expect(Object.keys(item).sort()).toEqual([
        'conversation_duration',
        'created_at',
        'id',
        'status',
        'telephony_data',
      ]);
    }
  });

  it('requires from/to, at most 7 days apart, and page_size ≤ 50', async () => {
    const base = `/v2/agent/${agentId}/executions`;
    expect((await api.request('GET', base)).status).toBe(422);
    const tooLong = new URLSearchParams({ from: iso(new Date(Date.now() - 8 * 86_400_000)), to: iso(now()) });
    const long = await api.request('GET', `${base}?${tooLong}`);
    expect(long.status).toBe(422);
    expect((long.body as Json).detail).toContain('7 days');
    const big = new URLSearchParams({
      from: iso(new Date(Date.now() - 86_400_000)),
      to: iso(now()),
      page_size: '51',
    });
    expect((await api.request('GET', `${base}?${big}`)).status).toBe(422);
  });
});

describe('injected faults and control endpoints', () => {
  it('answers 5xx without doing anything at apiErrorRate 1', async () => {
    const callsBefore = sim.requests().filter((r) => r.url === '/call' && r.status === 200).length;
    const executionsBefore = await countExecutions();
    const before = await countAgents();
    sim.setKnobs({ apiErrorRate: 1 });
    const statuses = new Set<number>();
    for (let i = 0; i < 12; i += 1) {
      const res = await api.request('POST', '/call', {
        agent_id: agentId,
        recipient_phone_number: '+919876543210',
      });
      statuses.add(res.status);
    }
    sim.setKnobs({ apiErrorRate: 0 });
    expect(statuses).toEqual(new Set([500, 502, 503]));
    await expect(api.createAgent(null)).resolves.toBeTruthy();
    expect(await countAgents()).toBe((before ?? 0) + 1);
    expect(sim.requests().filter((r) => r.url === '/call' && r.status === 200)).toHaveLength(callsBefore);
    expect(await countExecutions()).toBe(executionsBefore);
  });

  it('changes knobs through /__sim/config and rejects invalid ones with every problem listed', async () => {
    const ok = await fetch(`${sim.url}/__sim/config`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ webhookDropRate: 0.25, outcomes: 'completed=1,busy=1' }),
    });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ webhookDropRate: 0.25, outcomes: { completed: 1, busy: 1 } });
    expect(sim.knobs.webhookDropRate).toBe(0.25);
    const bad = await fetch(`${sim.url}/__sim/config`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ webhookDropRate: 2, timeScale: 0, nonsense: true }),
    });
    expect(bad.status).toBe(400);
    const detail = ((await bad.json()) as Json).detail as string;
    expect(detail).toContain('webhookDropRate');
    expect(detail).toContain('timeScale');
    expect(detail).toContain('nonsense');
    expect((await (await fetch(`${sim.url}/__sim/config`)).json()) as Json).toMatchObject({
      webhookDropRate: 0.25,
    });
    sim.setKnobs({ webhookDropRate: 0, outcomes: { completed: 1 } });
  });

  it('forgets agents and executions on POST /__sim/reset', async () => {
    const id = await api.startCall(agentId);
    const res = await fetch(`${sim.url}/__sim/reset`, { method: 'POST' });
    expect(res.status).toBe(200);
    expect((await api.request('GET', `/executions/${id}`)).status).toBe(404);
    expect(await countAgents()).toBe(0);
    agentId = await api.createAgent(null);
  });

  async function countExecutions(): Promise<number> {
    const q = new URLSearchParams({ from: iso(new Date(Date.now() - 86_400_000)), to: iso(new Date()) });
    const res = await api.request('GET', `/v2/agent/${agentId}/executions?${q}`);
    return (res.body as Json).total as number;
  }

  async function countAgents(): Promise<number | null> {
    const res = await api.request('GET', '/v2/agent/all');
    return Array.isArray(res.body) ? res.body.length : null;
  }
});
