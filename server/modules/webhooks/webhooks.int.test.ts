import { inArray } from 'drizzle-orm';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectError, signUp, startTestApp, type Client, type TestApp } from '../../../test/app.js';
import { testDbKind } from '../../../test/db.js';
import { waitUntil } from '../../../test/wait.js';
import { webhookEvents } from '../../db/schema.js';
import { payloadDigest } from '../calls/merge-rules.js';
import { adoptOrphans, applyEvent, deliveryOf, markFailed, mergeStored } from './apply-event.js';
import { createIngestQueue } from './ingest-queue.js';
import { checkDelivery } from './receive.js';
import { recoverDeliveries, recoverDeliveriesJob } from './recover.job.js';

/** A Bolna execution body as webhooks carry it (naive UTC timestamps, telephony duration as a string). */
function execution(id: string, agentId: string, status: string, extra: Record<string, unknown> = {}) {
  return {
    id,
    agent_id: agentId,
    status,
    conversation_duration: 0,
    total_cost: 0,
    transcript: '',
    created_at: '2026-01-28T13:17:50.116924',
    updated_at: extra.updated_at ?? '2026-01-28T13:17:50.116924',
    telephony_data: {
      to_number: '+919876543210',
      from_number: '+14155550100',
      recording_url: '',
      call_type: 'outbound',
    },
    ...extra,
  };
}

describe(`webhook receiver (${testDbKind()})`, { timeout: 30_000 }, () => {
  let t: TestApp;
  let client: Client;
  let orgId: string;
  let token: string;
  let providerAgentId: string;
  beforeAll(async () => {
    t = await startTestApp();
    ({ client, orgId } = await signUp(t.app));
    token = (await client.get(`/api/orgs/${orgId}/webhook`)).json().token;
    providerAgentId = (await client.post(`/api/orgs/${orgId}/agents`, { name: 'Inbound desk' })).json()
      .providerAgentId;
  });
  afterAll(() => t.close());

  const post = (body: unknown, query = `?token=${token}`, headers: Record<string, string> = {}) =>
    t.app.inject({
      method: 'POST',
      url: `/api/webhooks/bolna/call-status${query}`,
      headers: { 'content-type': 'application/json', ...headers },
      payload: typeof body === 'string' ? body : JSON.stringify(body),
    });
  const countEvents = async () => {
    const { rows } = await t.testDb.database.withSession((s) =>
      s.query<{ n: number }>('SELECT count(*)::int AS n FROM webhook_events'),
    );
    return Number(rows[0]!.n);
  };
  const callByExecution = async (id: string) =>
    (await client.get(`/api/orgs/${orgId}/calls?providerCallId=${id}`)).json().data[0];
  const verdictOf = async (eventId: string) =>
    (
      await t.testDb.database.withSession((s) =>
        s.query<{ verdict: string | null }>('SELECT verdict FROM webhook_events WHERE id = $1', [eventId]),
      )
    ).rows[0]?.verdict;
  /** Waits until the merge has given each of these stored deliveries a verdict. */
  const merged = (...eventIds: string[]) =>
    waitUntil(
      async () => (await Promise.all(eventIds.map(verdictOf))).every((verdict) => verdict != null),
      10_000,
      'the deliveries were not merged',
    );
  /** Posts a delivery and, once it is acknowledged (stored), waits for its merge, which follows. */
  const postMerged = async (...args: Parameters<typeof post>) => {
    const res = await post(...args);
    if (res.statusCode === 202) await merged(res.json().eventId);
    return res;
  };

  it('refuses a missing or wrong token with 401 and stores nothing', async () => {
    const before = await countEvents();
    expectError(await post(execution('e-x', providerAgentId, 'ringing'), ''), 401);
    expectError(await post(execution('e-x', providerAgentId, 'ringing'), '?token=not-the-token'), 401);
    expect(await countEvents()).toBe(before);
    const metrics = (await t.app.inject('/metrics')).body;
    expect(metrics).toMatch(/automitra_webhook_refused_total\{reason="bad_token"\} [1-9]/);
  });

  it('keeps malformed and incomplete bodies as rejected deliveries with a 400 naming the problem', async () => {
    const before = await countEvents();
    expect(expectError(await post('{"id": "e-1", "status":'), 400).message).toContain('JSON');
    expect(expectError(await post({ status: 'ringing' }), 400).message).toContain('id');
    expect(expectError(await post({ id: 'e-2' }), 400).message).toContain('status');
    expect(expectError(await post([1, 2]), 400).message).toContain('object');
    expect(await countEvents()).toBe(before + 4);
    const { rows } = await t.testDb.database.withSession((s) =>
      s.query<{ verdict: string; raw_body: string }>(
        "SELECT verdict, raw_body FROM webhook_events WHERE verdict = 'rejected'",
      ),
    );
    expect(rows.map((r) => r.raw_body)).toContain('{"id": "e-1", "status":');
  });

  it('rejects a body with a NUL escape (jsonb cannot hold it) as a 400, and keeps it', async () => {
    const body = JSON.stringify(execution('e-nul', providerAgentId, 'ringing', { summary: 'a\u0000b' }));
    expect(body).toContain('\\u0000');
    expect(expectError(await post(body), 400).message).toContain('u0000');
    // An escaped backslash followed by "u0000" is ordinary text.
    const text = JSON.stringify(execution('e-not-nul', providerAgentId, 'ringing', { summary: 'a\\u0000b' }));
    expect((await post(text)).statusCode).toBe(202);
  });

  it('refuses a rotated token at once, although the receiver has just used it', async () => {
    const old = (await client.get(`/api/orgs/${orgId}/webhook`)).json().token as string;
    expect(
      (await postMerged(execution('exec-rotate-1', providerAgentId, 'ringing'), `?token=${old}`)).statusCode,
    ).toBe(202);
    const fresh = (await client.post(`/api/orgs/${orgId}/webhook/rotate`)).json().token as string;
    const before = await countEvents();
    expectError(await post(execution('exec-rotate-1', providerAgentId, 'in-progress'), `?token=${old}`), 401);
    expect(await countEvents()).toBe(before);
    expect(
      (await postMerged(execution('exec-rotate-1', providerAgentId, 'in-progress'), `?token=${fresh}`))
        .statusCode,
    ).toBe(202);
    expect(await callByExecution('exec-rotate-1')).toMatchObject({ status: 'in_progress' });
    token = fresh;
  });

  it('stores and acknowledges deliveries whose merge fails, and merges them once it can', async () => {
    // A fault inside the merge's transaction: creating this execution's call fails.
    await t.testDb.database.withSession((s) =>
      s.exec(`
        CREATE FUNCTION test_refuse_call() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF NEW.provider_call_id = 'exec-faulty-1' THEN RAISE EXCEPTION 'injected fault'; END IF;
          RETURN NEW;
        END $$;
        CREATE TRIGGER test_refuse_call BEFORE INSERT ON calls FOR EACH ROW EXECUTE FUNCTION test_refuse_call();`),
    );
    const [faulty, healthy] = await Promise.all([
      post(execution('exec-faulty-1', providerAgentId, 'ringing')),
      post(execution('exec-healthy-1', providerAgentId, 'ringing')),
    ]);
    // Both stored and acknowledged; the healthy one merged (on its own, if it shared the failed
    // batch), the other left failed for the recovery job.
    expect(faulty.statusCode).toBe(202);
    expect(healthy.statusCode).toBe(202);
    await merged(faulty.json().eventId, healthy.json().eventId);
    expect(await verdictOf(faulty.json().eventId)).toBe('failed');
    expect(await verdictOf(healthy.json().eventId)).toBe('applied');
    expect(await callByExecution('exec-faulty-1')).toBeUndefined();

    await t.testDb.database.withSession((s) =>
      s.exec('DROP TRIGGER test_refuse_call ON calls; DROP FUNCTION test_refuse_call();'),
    );
    await recoverDeliveries(t.app.automitra, new Date());
    expect(await verdictOf(faulty.json().eventId)).toBe('applied');
    expect(await callByExecution('exec-faulty-1')).toMatchObject({ status: 'ringing' });
  });

  it('answers 413 to a body over the limit', async () => {
    const huge = execution('e-big', providerAgentId, 'completed', { transcript: 'x'.repeat(600 * 1024) });
    expectError(await post(huge), 413, 'payload_too_large');
  });

  it('stores the delivery before answering 202 and merges it after: a delivery for an unknown execution of our agent creates the call', async () => {
    const res = await post(
      execution('exec-inbound-1', providerAgentId, 'ringing', {
        telephony_data: { call_type: 'inbound', from_number: '+14155550199', to_number: '+14155550100' },
      }),
      `?token=${token}`,
      { 'user-agent': 'bolna-test' },
    );
    expect(res.statusCode).toBe(202);
    const { eventId, received } = res.json();
    expect(received).toBe(true);
    const { rows } = await t.testDb.database.withSession((s) =>
      s.query<{ id: string; headers: Record<string, string> }>(
        'SELECT id, headers FROM webhook_events WHERE id = $1',
        [eventId],
      ),
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]!.headers['user-agent']).toBe('bolna-test');
    await merged(eventId);
    const call = await callByExecution('exec-inbound-1');
    expect(call).toMatchObject({ status: 'ringing', direction: 'inbound', fromNumber: '+14155550199' });
  });

  it('merges a batch that updates a known call and creates new ones, each call once', async () => {
    // Sent at once, they usually share one merge: the known call is locked and the new executions
    // inserted in the same round trip, a repeat among them recognised.
    expect((await postMerged(execution('exec-batch-known', providerAgentId, 'ringing'))).statusCode).toBe(
      202,
    );
    const known = execution('exec-batch-known', providerAgentId, 'in-progress');
    const fresh = ['exec-batch-1', 'exec-batch-2'].map((id) => execution(id, providerAgentId, 'initiated'));
    const responses = await Promise.all([known, ...fresh, fresh[0]].map((body) => postMerged(body)));
    expect(responses.map((r) => r.statusCode)).toEqual([202, 202, 202, 202]);
    expect(await callByExecution('exec-batch-known')).toMatchObject({ status: 'in_progress' });
    for (const id of ['exec-batch-1', 'exec-batch-2']) {
      const { data } = (await client.get(`/api/orgs/${orgId}/calls?providerCallId=${id}`)).json();
      expect(data).toHaveLength(1);
      expect(data[0]).toMatchObject({ status: 'initiated', providerCallId: id });
    }
    const { rows } = await t.testDb.database.withSession((s) =>
      s.query<{ verdict: string; n: number }>(
        `SELECT verdict, count(*)::int AS n FROM webhook_events
          WHERE provider_call_id IN ('exec-batch-1', 'exec-batch-2') GROUP BY verdict ORDER BY verdict`,
      ),
    );
    expect(rows).toEqual([
      { verdict: 'applied', n: 2 },
      { verdict: 'duplicate', n: 1 },
    ]);
  });

  it('creates the call again for a delivery of an execution whose call was deleted', async () => {
    expect((await postMerged(execution('exec-deleted', providerAgentId, 'ringing'))).statusCode).toBe(202);
    const first = await callByExecution('exec-deleted');
    expect((await client.delete(`/api/orgs/${orgId}/calls/${first.id}`)).statusCode).toBe(204);
    // The receiver saw this execution's call a moment ago; it is gone now, and made again.
    expect((await postMerged(execution('exec-deleted', providerAgentId, 'in-progress'))).statusCode).toBe(
      202,
    );
    const again = await callByExecution('exec-deleted');
    expect(again).toMatchObject({ status: 'in_progress', providerCallId: 'exec-deleted' });
    expect(again.id).not.toBe(first.id);
  });

  it('merges out-of-order and duplicate deliveries into the truth, and the timeline shows each verdict', async () => {
    const id = 'exec-merge-1';
    const completed = execution(id, providerAgentId, 'completed', {
      updated_at: '2026-01-28T13:31:00.000001',
      conversation_duration: 41.5,
      total_cost: 12.71,
      cost_breakdown: { llm: 4.2, network: 1.01, platform: 2, synthesizer: 3.5, transcriber: 2 },
      transcript: 'assistant: Hello!\nuser: Hi\n',
      telephony_data: {
        duration: '42',
        recording_url: 'https://rec.example/1.wav',
        to_number: '+919876543210',
        hangup_by: 'Callee',
        hangup_reason: 'Call recipient hungup',
      },
    });
    const disconnected = execution(id, providerAgentId, 'call-disconnected', {
      updated_at: '2026-01-28T13:18:40.000001',
    });
    const inProgress = execution(id, providerAgentId, 'in-progress', {
      updated_at: '2026-01-28T13:17:57.000001',
    });
    // Each POST is answered once its delivery is stored; the merges follow in arrival order.
    for (const body of [completed, inProgress, completed, disconnected, inProgress])
      expect((await post(body)).statusCode).toBe(202);
    await waitUntil(async () => {
      const call = await callByExecution(id);
      if (!call) return false;
      const events = (await client.get(`/api/orgs/${orgId}/calls/${call.id}/events`)).json().data;
      return events.length === 5 && events.every((e: { verdict: string }) => e.verdict !== 'pending');
    });
    const call = await callByExecution(id);
    expect(call).toMatchObject({
      status: 'completed',
      duration: 41.5,
      totalCostCents: 12.71,
      transcription: 'assistant: Hello!\nuser: Hi\n',
      recordingUrl: 'https://rec.example/1.wav',
      hangupBy: 'Callee',
      startedAt: '2026-01-28T13:17:57.000Z',
      endedAt: '2026-01-28T13:18:40.000Z',
    });
    const events = (await client.get(`/api/orgs/${orgId}/calls/${call.id}/events`)).json().data;
    expect(events.map((e: { status: string }) => e.status)).toEqual([
      'completed',
      'in_progress',
      'completed',
      'call_disconnected',
      'in_progress',
    ]);
    // A repeat is recognised by its digest, whether or not it is the latest snapshot.
    expect(events.map((e: { verdict: string }) => e.verdict)).toEqual([
      'applied',
      'applied',
      'duplicate',
      'applied',
      'duplicate',
    ]);

    const replay = await client.post(`/api/orgs/${orgId}/calls/${call.id}/events/replay`);
    expect(replay.statusCode).toBe(200);
    expect(replay.json()).toMatchObject({ replayed: 5, changed: [] });
    expect(replay.json().call).toEqual(call);
  });

  it.runIf(testDbKind() === 'pg')(
    'recognises a repeat merged by a concurrent transaction while this one waited for the call (pg only: PGlite has one connection)',
    async () => {
      const id = 'exec-concurrent-1';
      const completed = execution(id, providerAgentId, 'completed', {
        updated_at: '2026-01-28T13:31:00.000001',
      });
      expect((await postMerged(completed)).statusCode).toBe(202);
      const call = await callByExecution(id);
      // A late ringing: stale, not the call's latest snapshot, so only its digest can tell its copy apart.
      const lateRinging = execution(id, providerAgentId, 'ringing', {
        updated_at: '2026-01-28T13:17:52.000001',
      });
      const holder = new pg.Client({ connectionString: t.testDb.url });
      await holder.connect();
      try {
        await holder.query('BEGIN');
        await holder.query('SELECT 1 FROM calls WHERE id = $1 FOR UPDATE', [call.id]);
        // Asked outside the holder's transaction, which would keep seeing the sessions there were
        // when it first looked (a connection the pool opens later would never appear).
        const waitingForLocks = async () => {
          const { rows } = await t.testDb.database.withSession((s) =>
            s.query<{ n: number }>(
              "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'",
            ),
          );
          return rows[0]!.n;
        };
        // The first copy is stored and acknowledged; its merge waits for the call.
        const first = await post(lateRinging);
        expect(first.statusCode).toBe(202);
        await waitUntil(async () => (await waitingForLocks()) === 1);
        // The second copy waits behind it in this process's merge queue, while another merge of it
        // (the recovery job's, as after a restart) starts in a second transaction and waits too.
        const second = await post(lateRinging);
        expect(second.statusCode).toBe(202);
        const other = applyEvent(t.app.automitra, second.json().eventId);
        await waitUntil(async () => (await waitingForLocks()) === 2);
        await holder.query('COMMIT');
        expect((await other)?.verdict).toBe('duplicate');
        // The queue's own merge of the second copy then finds it merged, and leaves it as it is.
        await merged(first.json().eventId, second.json().eventId);
      } finally {
        await holder.end();
      }
      const events = (await client.get(`/api/orgs/${orgId}/calls/${call.id}/events`)).json().data;
      expect(events.map((e: { verdict: string }) => e.verdict)).toEqual(['applied', 'stale', 'duplicate']);
      expect(await callByExecution(id)).toEqual(call);
    },
  );

  it.runIf(testDbKind() === 'pg')(
    'applies a delivery to the call a concurrent merge is creating, once that commits (pg only: PGlite has one connection)',
    async () => {
      // Two deliveries of a new execution, stored and not merged yet, merged in two transactions at
      // once (by two nodes, or by a node and the recovery job).
      const id = 'exec-being-created';
      const bodies = [execution(id, providerAgentId, 'initiated'), execution(id, providerAgentId, 'ringing')];
      const ids: string[] = [];
      for (const body of bodies) {
        const { rows } = await t.testDb.database.withSession((s) =>
          s.query<{ id: string }>(
            `INSERT INTO webhook_events (organization_id, source, provider_call_id, provider_agent_id, status,
                                         payload, payload_digest)
             VALUES ($1, 'webhook', $2, $3, $4, $5, $6) RETURNING id`,
            [orgId, id, providerAgentId, body.status, JSON.stringify(body), payloadDigest(body)],
          ),
        );
        ids.push(rows[0]!.id);
      }
      const ctx = t.app.automitra;
      const rows = await ctx.db.select().from(webhookEvents).where(inArray(webhookEvents.id, ids));
      const [created, next] = ids.map((eventId) => deliveryOf(rows.find((row) => row.id === eventId)!)!);
      // The holder keeps the first merge from committing after it created the call: its write
      // records the verdicts, which the holder's table lock does not allow yet.
      const holder = new pg.Client({ connectionString: t.testDb.url });
      await holder.connect();
      const waiting = async (on: 'relation' | 'transactionid') => {
        const { rows } = await t.testDb.database.withSession((s) =>
          s.query<{ n: number }>(
            `SELECT count(*)::int AS n FROM pg_stat_activity
              WHERE datname = current_database() AND wait_event_type = 'Lock' AND wait_event = $1`,
            [on],
          ),
        );
        return rows[0]!.n;
      };
      try {
        await holder.query('BEGIN');
        await holder.query('LOCK TABLE webhook_events IN SHARE MODE');
        const first = mergeStored(ctx, [created!]);
        await waitUntil(async () => (await waiting('relation')) >= 1);
        // The second merge cannot see that call yet: its own insert of it waits for the first
        // merge, then finds it.
        const second = mergeStored(ctx, [next!]);
        await waitUntil(async () => (await waiting('transactionid')) === 1);
        await holder.query('COMMIT');
        expect((await first).outcomes.map((o) => o.verdict)).toEqual(['applied']);
        expect((await second).outcomes.map((o) => o.verdict)).toEqual(['applied']);
      } finally {
        await holder.end();
      }
      const { data } = (await client.get(`/api/orgs/${orgId}/calls?providerCallId=${id}`)).json();
      expect(data).toHaveLength(1);
      expect(data[0]).toMatchObject({ status: 'ringing' });
      const events = (await client.get(`/api/orgs/${orgId}/calls/${data[0].id}/events`)).json().data;
      expect(events.map((e: { verdict: string }) => e.verdict)).toEqual(['applied', 'applied']);
    },
  );

  it('leaves deliveries to the recovery job when too many wait for their merge or the queue closes; it merges them after a minute, or at the next start', async () => {
    const ctx = t.app.automitra;
    const checked = async (id: string) =>
      checkDelivery(ctx, {
        token,
        ip: '127.0.0.1',
        headers: {},
        rawBody: JSON.stringify(execution(id, providerAgentId, 'ringing')),
      });
    // A queue with no room for deliveries waiting for their merge: each is stored and acknowledged, unmerged.
    const storeUnmerged = async (id: string) => {
      const queue = createIngestQueue(ctx, { mergeCapacityBytes: 0 });
      const eventId = await queue.submit(await checked(id));
      await queue.close();
      return eventId;
    };
    const [first, second] = [await storeUnmerged('exec-overflow-1'), await storeUnmerged('exec-overflow-2')];
    expect([await verdictOf(first), await verdictOf(second)]).toEqual([null, null]);

    // Every minute, the job leaves a delivery stored less than a minute ago to its process's queue.
    const stored = ctx.now().getTime();
    let clock = stored + 30_000;
    const job = recoverDeliveriesJob({ ...ctx, now: () => new Date(clock) });
    const run = (payload: { before?: string }) =>
      job.handler(payload, {
        name: 'webhooks.recover',
        id: 'test',
        retryCount: 0,
        retryLimit: 0,
        logger: ctx.log,
      });
    await run({});
    expect([await verdictOf(first), await verdictOf(second)]).toEqual([null, null]);
    // A process starting now takes every delivery stored before it: no queue of its own holds them.
    await run({ before: new Date(stored + 1_000).toISOString() });
    expect([await verdictOf(first), await verdictOf(second)]).toEqual(['applied', 'applied']);
    expect(await callByExecution('exec-overflow-1')).toMatchObject({ status: 'ringing' });

    // One submitted before its queue closes is merged by the closing queue, even if its INSERT ends
    // after close() began.
    const closing = createIngestQueue(ctx);
    const before = closing.submit(await checked('exec-before-close'));
    await closing.close();
    expect(await verdictOf(await before)).toBe('applied');

    // A delivery that arrives while its queue closes is stored and acknowledged, unmerged.
    const closed = createIngestQueue(ctx);
    await closed.close();
    const third = await closed.submit(await checked('exec-overflow-3'));
    await closed.close();
    expect(await verdictOf(third)).toBeNull();
    clock = Date.now() + 61_000;
    await run({});
    expect(await verdictOf(third)).toBe('applied');
    // A merge that failed while another merged the delivery does not mark it failed.
    await markFailed(ctx, third, new Error('lost a deadlock'));
    expect(await verdictOf(third)).toBe('applied');
  });

  it('spaces its statements when busy: a steady stream is stored and merged in few of them, a full batch does not wait, and a quiet queue never waits', async () => {
    const ctx = t.app.automitra;
    const checked = (id: string) =>
      checkDelivery(ctx, {
        token,
        ip: '127.0.0.1',
        headers: {},
        rawBody: JSON.stringify(execution(id, providerAgentId, 'ringing')),
      });
    const statements = async () => {
      const count = async (metric: typeof ctx.metrics.storeDuration) =>
        (await metric.get()).values.find((v) => v.metricName?.endsWith('_count'))?.value ?? 0;
      return {
        stores: await count(ctx.metrics.storeDuration),
        merges: await count(ctx.metrics.mergeDuration),
      };
    };

    // Twelve pairs of deliveries 10 ms apart, to a queue busy from the first delivery, whose INSERTs
    // then start at least 200 ms apart and its merges 400 ms apart: a few statements each, however
    // fast or slow the machine.
    const trickle = createIngestQueue(ctx, { busyRate: 0, storeSpacingMs: 200, mergeSpacingMs: 400 });
    const pairs = [];
    for (let i = 0; i < 12; i += 1)
      pairs.push([await checked(`exec-trickle-${i}-a`), await checked(`exec-trickle-${i}-b`)]);
    const before = await statements();
    const started = Date.now();
    const submitted: Promise<string>[] = [];
    for (const pair of pairs) {
      submitted.push(...pair.map((delivery) => trickle.submit(delivery)));
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const spanMs = Date.now() - started;
    const eventIds = await Promise.all(submitted);
    await trickle.close();
    const after = await statements();
    const stores = after.stores - before.stores;
    const merges = after.merges - before.merges;
    expect(spanMs).toBeLessThan(1_800); // else the bound below would allow one statement per delivery
    expect(stores).toBeGreaterThanOrEqual(1);
    // One INSERT at once, one per 200 ms while they came, one for those left at the end.
    expect(stores).toBeLessThanOrEqual(Math.floor(spanMs / 200) + 2);
    expect(merges).toBeGreaterThanOrEqual(1);
    expect(merges).toBeLessThanOrEqual(Math.floor(spanMs / 400) + 2);
    expect(await Promise.all(eventIds.map(verdictOf))).toEqual(eventIds.map(() => 'applied'));

    // Spacing of a minute, batches of four: eight deliveries at once are two full batches, and the
    // second does not wait for the first's minute.
    const full = createIngestQueue(ctx, { busyRate: 0, maxBatch: 4, storeSpacingMs: 60_000 });
    const deliveries = await Promise.all(
      Array.from({ length: 8 }, (_, i) => checked(`exec-full-batch-${i}`)),
    );
    const fullStarted = Date.now();
    const stored = await Promise.all(deliveries.map((delivery) => full.submit(delivery)));
    expect(Date.now() - fullStarted).toBeLessThan(20_000);
    // A full batch that gathers while a loop waits out the spacing wakes it.
    const sleeping = full.submit(await checked('exec-full-batch-8'));
    await new Promise((resolve) => setTimeout(resolve, 50));
    const filling = await Promise.all(
      Array.from({ length: 3 }, (_, i) => checked(`exec-full-batch-${9 + i}`)),
    );
    const filled = await Promise.all([sleeping, ...filling.map((delivery) => full.submit(delivery))]);
    expect(Date.now() - fullStarted).toBeLessThan(20_000);
    await full.close();
    expect(await Promise.all([...stored, ...filled].map(verdictOf))).toEqual(
      [...stored, ...filled].map(() => 'applied'),
    );

    // Below its busy rate, a queue spaces nothing: deliveries one after another, each stored and
    // merged at once, although spacing would make each wait a minute.
    const quiet = createIngestQueue(ctx, { busyRate: 100, storeSpacingMs: 60_000, mergeSpacingMs: 60_000 });
    const quietStarted = Date.now();
    for (let i = 0; i < 3; i += 1) {
      const eventId = await quiet.submit(await checked(`exec-quiet-${i}`));
      await waitUntil(async () => (await verdictOf(eventId)) === 'applied', 20_000);
    }
    expect(Date.now() - quietStarted).toBeLessThan(20_000);
    await quiet.close();
  });

  it('keeps a delivery for an unknown agent as an orphan, applied once its call appears', async () => {
    const res = await post(execution('exec-orphan-1', 'agent-we-do-not-know', 'ringing'));
    const { eventId } = res.json();
    await waitUntil(async () => {
      const { rows } = await t.testDb.database.withSession((s) =>
        s.query<{ verdict: string }>('SELECT verdict FROM webhook_events WHERE id = $1', [eventId]),
      );
      return rows[0]?.verdict === 'orphan';
    });
    // The call appears (here: a call row that learns this execution id, as after POST /call).
    await t.testDb.database.withSession((s) =>
      s.query(
        "INSERT INTO calls (organization_id, provider_call_id, status, to_number) VALUES ($1, 'exec-orphan-1', 'initiated', '+919876543210')",
        [orgId],
      ),
    );
    const outcomes = await adoptOrphans(t.app.automitra, orgId, { providerCallId: 'exec-orphan-1' });
    expect(outcomes.map((o) => o.verdict)).toEqual(['applied']);
    expect((await callByExecution('exec-orphan-1')).status).toBe('ringing');
  });
});

describe(`webhook source-IP allow-list (${testDbKind()})`, { timeout: 30_000 }, () => {
  let t: TestApp;
  let token: string;
  beforeAll(async () => {
    t = await startTestApp({
      env: { WEBHOOK_IP_ALLOWLIST: '13.203.39.153,13.126.9.249,13.202.133.53', TRUST_PROXY: '127.0.0.1' },
    });
    const { client, orgId } = await signUp(t.app);
    token = (await client.get(`/api/orgs/${orgId}/webhook`)).json().token;
  });
  afterAll(() => t.close());

  const send = (remoteAddress: string, headers: Record<string, string> = {}) =>
    t.app.inject({
      method: 'POST',
      url: `/api/webhooks/bolna/call-status?token=${token}`,
      remoteAddress,
      headers: { 'content-type': 'application/json', ...headers },
      payload: JSON.stringify(execution('exec-ip', 'agent-x', 'ringing')),
    });

  it("accepts Bolna's addresses and refuses others with 403, before anything is stored", async () => {
    expect((await send('13.203.39.153')).statusCode).toBe(202);
    expectError(await send('198.51.100.7'), 403, 'forbidden');
    const { rows } = await t.testDb.database.withSession((s) =>
      s.query('SELECT source_ip FROM webhook_events'),
    );
    expect(rows).toEqual([{ source_ip: '13.203.39.153' }]);
  });

  it('reads the client address from X-Forwarded-For only when the proxy is trusted', async () => {
    expect((await send('127.0.0.1', { 'x-forwarded-for': '13.126.9.249' })).statusCode).toBe(202);
    expectError(await send('203.0.113.5', { 'x-forwarded-for': '13.126.9.249' }), 403);
  });
});
