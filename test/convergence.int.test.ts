/**
 * End to end with the simulator's fault knobs: whatever happens to the webhooks (dropped,
 * duplicated, reordered) and to Bolna's API (5xx, 429), every call ends in its true final state,
 * the state Bolna itself reports, and a run with faults ends exactly like a clean run of the same seed.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { isTerminalStatus } from '../common/call-status.js';
import { mapExecution } from '../server/providers/bolna/index.js';
import type { SimulatorOptions } from '../simulator/server.js';
import { signUp, startTestApp, type TestApp } from './app.js';
import { testDbKind } from './db.js';
import { waitUntil } from './wait.js';

const CALLS = 6;
const SEED = 20261121;
const FIELDS = [
  'status',
  'duration',
  'totalCostCents',
  'costBreakdown',
  'transcription',
  'recordingUrl',
  'hangupBy',
  'hangupReason',
  'summary',
] as const;

type CallJson = Record<string, unknown> & { id: string; providerCallId: string; status: string };

let running: TestApp | null = null;
afterEach(async () => {
  await running?.close();
  running = null;
});

/** Starts an app and simulator with `knobs`, places CALLS calls, waits until all are final and confirmed. */
/**
 * `spendRateLimit`: just before the calls are placed, another program using the same API key spends
 * the whole rate limit of the window, so the platform's first POST /call meets a 429 whatever the
 * machine's speed.
 */
async function runScenario(
  knobs: SimulatorOptions,
  { spendRateLimit = false } = {},
): Promise<{ t: TestApp; calls: CallJson[] }> {
  const t = await startTestApp({
    listen: true,
    simulator: {
      seed: SEED,
      timeScale: 0.01,
      completedDelayMs: 20_000,
      webhookReorderWindowMs: 30_000,
      ...knobs,
    },
  });
  running = t;
  const { client, orgId } = await signUp(t.app);
  const agent = (
    await client.post(`/api/orgs/${orgId}/agents`, { name: 'Convergence', welcomeMessage: 'Hi' })
  ).json();
  expect(agent.syncStatus).toBe('synced');
  if (spendRateLimit) {
    for (let i = 0; i < (knobs.apiRateLimit ?? 0); i++) {
      await fetch(`${t.simulator.url}/executions/another-program-${i}`, {
        headers: { authorization: `Bearer ${t.simulator.apiKey}` },
      });
    }
  }
  for (let i = 0; i < CALLS; i++) {
    const res = await client.post(`/api/orgs/${orgId}/calls`, {
      agentId: agent.id,
      toNumber: `+9198765000${10 + i}`,
    });
    expect(res.json().providerCallId).toEqual(expect.any(String));
  }
  let calls: CallJson[] = [];
  await waitUntil(
    async () => {
      calls = (await client.get(`/api/orgs/${orgId}/calls?limit=50`)).json().data;
      return calls.every((c) => isTerminalStatus(c.status as never) && c.totalCostCents !== null);
    },
    40_000,
    'calls did not all reach a final, costed state',
  );
  // Let the confirming polls land, then read the calls once more.
  await waitUntil(async () => {
    const { rows } = await t.testDb.database.withSession((s) =>
      s.query<{ n: number }>('SELECT count(*)::int AS n FROM calls WHERE confirmed_at IS NULL'),
    );
    return Number(rows[0]!.n) === 0;
  }, 20_000);
  calls = (await client.get(`/api/orgs/${orgId}/calls?limit=50`)).json().data;
  return { t, calls };
}

/** The fields that must converge; recording URLs without the simulator's origin (its port differs per run). */
function finalFields(calls: CallJson[]) {
  return Object.fromEntries(
    calls.map((c) => [
      c.providerCallId,
      Object.fromEntries(FIELDS.map((f) => [f, f === 'recordingUrl' ? withoutOrigin(c[f]) : c[f]])),
    ]),
  );
}

function withoutOrigin(url: unknown): unknown {
  return typeof url === 'string' ? url.replace(/^https?:\/\/[^/]+/, '') : url;
}

/** What Bolna (the simulator) itself says each execution ended as. */
function truth(t: TestApp, calls: CallJson[]) {
  return Object.fromEntries(
    calls.map((c) => {
      const s = mapExecution(t.simulator.execution(c.providerCallId));
      return [
        c.providerCallId,
        {
          status: s.status,
          duration: s.duration,
          totalCostCents: s.totalCostCents,
          costBreakdown: s.costBreakdown,
          transcription: s.transcription,
          recordingUrl: withoutOrigin(s.recordingUrl),
          hangupBy: s.hangupBy,
          hangupReason: s.hangupReason,
          summary: s.summary,
        },
      ];
    }),
  );
}

describe(`convergence under webhook and API faults (${testDbKind()})`, { timeout: 120_000 }, () => {
  let clean: ReturnType<typeof finalFields>;

  it('a clean run ends every call in the state Bolna reports', async () => {
    const { t, calls } = await runScenario({});
    clean = finalFields(calls);
    expect(clean).toEqual(truth(t, calls));
    expect(calls.some((c) => c.status === 'completed')).toBe(true);
  });

  it('with every webhook dropped, polling alone gets every call right', async () => {
    const { t, calls } = await runScenario({ webhookDropRate: 1 });
    expect(t.simulator.deliveries().filter((d) => d.outcome === 'delivered')).toHaveLength(0);
    expect(t.simulator.deliveries().filter((d) => d.outcome === 'dropped').length).toBeGreaterThan(0);
    expect(finalFields(calls)).toEqual(truth(t, calls));
    expect(finalFields(calls)).toEqual(clean);
    const { rows } = await t.testDb.database.withSession((s) =>
      s.query<{ source: string }>("SELECT DISTINCT source FROM webhook_events WHERE verdict <> 'rejected'"),
    );
    expect(rows.map((r) => r.source)).not.toContain('webhook');
  });

  it('with duplicated and reordered webhooks, the final calls equal the clean run', async () => {
    const { t, calls } = await runScenario({ webhookDuplicateRate: 0.5, webhookReorder: true });
    expect(finalFields(calls)).toEqual(clean);
    expect(finalFields(calls)).toEqual(truth(t, calls));
    const { rows } = await t.testDb.database.withSession((s) =>
      s.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM webhook_events WHERE verdict IN ('duplicate', 'stale')",
      ),
    );
    expect(Number(rows[0]!.n)).toBeGreaterThan(0);
  });

  it("with Bolna's API failing and rate limiting, nothing is lost", async () => {
    const { t, calls } = await runScenario(
      { apiErrorRate: 0.2, apiRateLimit: 20, apiRateLimitWindowMs: 1_000, webhookDropRate: 0.5 },
      { spendRateLimit: true },
    );
    expect(finalFields(calls)).toEqual(clean);
    expect(finalFields(calls)).toEqual(truth(t, calls));
    // The platform's own requests met the limit and the errors (the other program's stayed within it).
    const platformRequests = t.simulator.requests().filter((r) => !r.url.includes('another-program'));
    expect(platformRequests.some((r) => r.status === 429)).toBe(true);
    expect(platformRequests.some((r) => r.status >= 500)).toBe(true);
  });
});
