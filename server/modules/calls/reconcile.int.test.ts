import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signUp, startTestApp, type Client, type TestApp } from '../../../test/app.js';
import { testDbKind } from '../../../test/db.js';
import { createPollBudget } from './poll-budget.js';
import { pollCall } from './poll.js';
import { NO_FINAL_STATUS, reconcileStaleCalls } from './reconcile.js';

describe(`no stuck calls (${testDbKind()})`, { timeout: 30_000 }, () => {
  let t: TestApp;
  let client: Client;
  let orgId: string;
  let agent: { id: string; providerAgentId: string };
  beforeAll(async () => {
    // Webhooks go nowhere here: the platform learns only by asking Bolna.
    t = await startTestApp({
      simulator: { completedDelayMs: 1_000, webhookDropRate: 1, outcomes: { completed: 1 } },
    });
    ({ client, orgId } = await signUp(t.app));
    agent = (await client.post(`/api/orgs/${orgId}/agents`, { name: 'Stuck' })).json();
  });
  afterAll(() => t.close());

  const age = (callId: string, minutes: number) =>
    t.testDb.database.withSession((s) =>
      s.query(`UPDATE calls SET created_at = now() - make_interval(mins => $2) WHERE id = $1`, [
        callId,
        minutes,
      ]),
    );
  const startCall = async () =>
    (await client.post(`/api/orgs/${orgId}/calls`, { agentId: agent.id, toNumber: '+919876543210' })).json();

  it('resolves a stale call from Bolna when Bolna knows its final status', async () => {
    const call = await startCall();
    await t.simulator.waitForIdle(10_000);
    await age(call.id, 120);
    const report = await reconcileStaleCalls(t.app.automitra, { organizationId: orgId });
    expect(report).toMatchObject({ resolved: 1, failed: 0 });
    const after = (await client.get(`/api/orgs/${orgId}/calls/${call.id}`)).json();
    expect(after.status).toBe('completed');
    expect(after.totalCostCents).toEqual(expect.any(Number));
  });

  it('marks a call failed, visibly, when Bolna cannot give a final status', async () => {
    const call = await startCall();
    await age(call.id, 120);
    await fetch(`${t.simulator.url}/__sim/reset`, { method: 'POST' }); // Bolna forgets the execution
    const dry = await reconcileStaleCalls(t.app.automitra, { organizationId: orgId, dryRun: true });
    expect(dry.failed).toBe(1);
    expect((await client.get(`/api/orgs/${orgId}/calls/${call.id}`)).json().status).not.toBe('failed');

    const report = await reconcileStaleCalls(t.app.automitra, { organizationId: orgId });
    expect(report.failed).toBe(1);
    const after = (await client.get(`/api/orgs/${orgId}/calls/${call.id}`)).json();
    expect(after.status).toBe('failed');
    expect(after.errorMessage).toContain(NO_FINAL_STATUS);
    expect(after.endedAt).not.toBeNull();
  });

  it('leaves fresh calls alone and defers when Bolna is unreachable', async () => {
    agent = (await client.post(`/api/orgs/${orgId}/agents`, { name: 'Stuck again' })).json();
    const fresh = await startCall();
    const stale = await startCall();
    await age(stale.id, 120);
    t.simulator.setKnobs({ apiErrorRate: 1 });
    try {
      const report = await reconcileStaleCalls(t.app.automitra, { organizationId: orgId });
      expect(report).toMatchObject({ checked: 1, deferred: 1, failed: 0 });
    } finally {
      t.simulator.setKnobs({ apiErrorRate: 0 });
    }
    const untouched = (await client.get(`/api/orgs/${orgId}/calls/${fresh.id}`)).json();
    expect(untouched.errorMessage).toBeNull();
    expect(untouched.status).not.toBe('failed');
  });

  it('skips a poll while webhooks for the call are flowing, and stops once the call is final and confirmed', async () => {
    const call = await startCall();
    const budget = createPollBudget(1000);
    await t.testDb.database.withSession((s) =>
      s.query('UPDATE calls SET last_webhook_at = now() WHERE id = $1', [call.id]),
    );
    expect(await pollCall(t.app.automitra, budget, orgId, call.id)).toMatchObject({
      kind: 'again',
      reason: 'flowing',
    });
    await t.testDb.database.withSession((s) =>
      s.query("UPDATE calls SET last_webhook_at = now() - interval '1 hour' WHERE id = $1", [call.id]),
    );
    await t.simulator.waitForIdle(10_000);
    expect(await pollCall(t.app.automitra, budget, orgId, call.id)).toEqual({ kind: 'done' });
    const after = (await client.get(`/api/orgs/${orgId}/calls/${call.id}`)).json();
    expect(after.status).toBe('completed');
    const events = (await client.get(`/api/orgs/${orgId}/calls/${call.id}/events`)).json().data;
    expect(events.at(-1)).toMatchObject({ source: 'poll', verdict: 'applied' });
  });

  it('waits for the budget and honours Bolna 429 with Retry-After', async () => {
    const call = await startCall();
    const budget = createPollBudget(1);
    await budget.reserve(t.app.automitra.config.bolna.apiKey);
    const throttled = await pollCall(t.app.automitra, budget, orgId, call.id);
    expect(throttled).toMatchObject({ kind: 'again', reason: 'budget', reserved: true });
    expect((throttled as { afterMs: number }).afterMs).toBeGreaterThan(50_000);
    // The poll that holds the reserved slot goes to Bolna without asking the budget again.
    const held = await pollCall(t.app.automitra, budget, orgId, call.id, true);
    expect(held).toMatchObject({ kind: 'again', reason: 'polled' });

    t.simulator.setKnobs({ apiRateLimit: 1, apiRateLimitWindowMs: 60_000 });
    try {
      await fetch(`${t.simulator.url}/executions/x`, {
        headers: { authorization: `Bearer ${t.simulator.apiKey}` },
      });
      const limited = await pollCall(t.app.automitra, createPollBudget(1000), orgId, call.id);
      expect(limited).toMatchObject({ kind: 'again', reason: 'rate_limited' });
    } finally {
      t.simulator.setKnobs({ apiRateLimit: 0 });
    }
  });
});
