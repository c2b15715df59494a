import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator, type SimulatorOptions } from './server.js';
import { simApi, type Json } from './testing.js';
import { startWebhookSink, type WebhookSink } from './webhook-sink.js';

/**
 * Delivery faults (drops, duplicates, reordering) must look like Bolna's real ones to a receiver, while
 * GET /executions keeps telling the truth and the calls' content stays a function of the seed alone.
 */

const CALLS = 12;
const RANK: Record<string, number> = { initiated: 1, ringing: 2, 'in-progress': 3, 'call-disconnected': 4 };
const rank = (status: unknown) => RANK[status as string] ?? 5;

let sink: WebhookSink;

beforeAll(async () => {
  sink = await startWebhookSink();
});

afterAll(async () => {
  await sink.close();
});

/** Runs CALLS calls on a fresh simulator and returns the final executions and what the sink saw. */
async function run(options: SimulatorOptions) {
  const sim: RunningSimulator = await startSimulator({
    seed: 4242,
    timeScale: 0.001,
    publicUrl: 'http://simulator.test',
    ...options,
  });
  try {
    const api = simApi(sim);
    const agentId = await api.createAgent(sink.url);
    const ids: string[] = [];
    for (let i = 0; i < CALLS; i += 1) ids.push(await api.startCall(agentId, { user_data: { n: i } }));
    await sim.waitForIdle();
    const finals = await Promise.all(ids.map((id) => api.getExecution(id)));
    const idSet = new Set(ids);
    const hooks = sink.received
      .map((hook) => hook.body as Json)
      .filter((body) => idSet.has(body.id as string));
    return { ids, finals, hooks, deliveries: sim.deliveries() };
  } finally {
    await sim.close();
  }
}

function perExecution(hooks: Json[]): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (const hook of hooks)
    map.set(hook.id as string, [...(map.get(hook.id as string) ?? []), hook.status as string]);
  return map;
}

/** Execution objects without the wall-clock fields, for comparing runs. */
function content(execution: Json): Json {
  const { created_at: _c, updated_at: _u, initiated_at: _i, ...rest } = execution;
  return rest;
}

describe('webhook faults', () => {
  it('drops everything at drop rate 1, yet GET /executions reaches the final state', async () => {
    sink.received.length = 0;
    const { finals, hooks, deliveries } = await run({ webhookDropRate: 1 });
    expect(hooks).toHaveLength(0);
    expect(deliveries.length).toBeGreaterThan(CALLS);
    expect(deliveries.every((d) => d.outcome === 'dropped')).toBe(true);
    for (const final of finals) {
      expect(['completed', 'busy', 'no-answer', 'failed', 'error']).toContain(final.status);
    }
    expect(finals.some((final) => final.status === 'completed' && (final.total_cost as number) > 0)).toBe(
      true,
    );
  });

  it('sends duplicates at a duplicate rate', async () => {
    sink.received.length = 0;
    const { hooks, deliveries } = await run({ webhookDuplicateRate: 0.5 });
    const keys = hooks.map((hook) => `${String(hook.id)}/${String(hook.status)}`);
    expect(new Set(keys).size).toBeLessThan(keys.length);
    expect(deliveries.some((d) => d.copy === 2 && d.outcome === 'delivered')).toBe(true);
  });

  it('lets a later status arrive before an earlier one when reordering', async () => {
    sink.received.length = 0;
    const { hooks, finals } = await run({ webhookReorder: true, webhookReorderWindowMs: 40_000 });
    const orders = [...perExecution(hooks).values()];
    const outOfOrder = orders.filter((seq) =>
      seq.some((status, i) => i > 0 && rank(status) < rank(seq[i - 1])),
    );
    expect(outOfOrder.length).toBeGreaterThan(0);
    expect(hooks).toHaveLength(finals.reduce((n, f) => n + expectedHookCount(f.status as string), 0));
  });

  it('keeps deliveries in order without reordering', async () => {
    sink.received.length = 0;
    const { hooks } = await run({});
    for (const seq of perExecution(hooks).values()) {
      expect(seq.map(rank)).toEqual([...seq.map(rank)].sort((a, b) => a - b));
    }
  });

  it('produces identical calls for the same seed with and without drops, duplicates and reordering', async () => {
    const clean = await run({});
    const faulty = await run({
      webhookDropRate: 0.4,
      webhookDuplicateRate: 0.4,
      webhookReorder: true,
      queuedWebhook: true,
    });
    expect(faulty.deliveries.some((d) => d.outcome === 'dropped')).toBe(true);
    expect(faulty.deliveries.some((d) => d.copy === 2)).toBe(true);
    expect(faulty.ids).toEqual(clean.ids);
    expect(faulty.finals.map(content)).toEqual(clean.finals.map(content));
    expect(new Set(clean.finals.map((f) => f.status)).size).toBeGreaterThan(1); // a real mix was compared
  });

  it('produces different calls for a different seed', async () => {
    const a = await run({});
    const b = await run({ seed: 4243 });
    expect(b.ids).not.toEqual(a.ids);
  });
});

function expectedHookCount(status: string): number {
  const counts: Record<string, number> = { completed: 5, busy: 3, 'no-answer': 3, failed: 2, error: 2 };
  return counts[status] ?? 0;
}
