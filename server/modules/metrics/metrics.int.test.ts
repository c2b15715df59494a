import { randomUUID } from 'node:crypto';
import { sql, type SQL } from 'drizzle-orm';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CALL_STATUSES, TERMINAL_STATUSES, type CallStatus } from '../../../common/call-status.js';
import type { OrgMetrics } from '../../../common/schemas/metrics.js';
import { calls } from '../../db/schema.js';
import {
  addMember,
  apiKeyClient,
  expectError,
  signUp,
  startTestApp,
  type Client,
  type TestApp,
} from '../../../test/app.js';
import { testDbKind } from '../../../test/db.js';
import { NO_AGENT } from './metrics.repository.js';

const NOW = new Date('2026-11-15T15:00:00.000Z');
const DAY = 86_400_000;

describe(`organization metrics (${testDbKind()})`, { timeout: 90_000 }, () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ now: () => new Date(NOW) });
  });
  afterAll(() => t.close());

  const db = () => t.testDb.database.db;
  async function rows<T>(query: SQL): Promise<T[]> {
    return ((await db().execute(query)) as unknown as { rows: T[] }).rows;
  }
  async function insertAgent(orgId: string, name = 'Agent'): Promise<string> {
    const [row] = await rows<{ id: string }>(
      sql`INSERT INTO agents (organization_id, name) VALUES (${orgId}, ${name}) RETURNING id`,
    );
    return row!.id;
  }
  interface NewCall {
    agentId?: string | null;
    status: CallStatus;
    at: string | Date;
    duration?: number | null;
    cost?: number | null;
  }
  async function insertCalls(orgId: string, list: NewCall[]): Promise<string[]> {
    const inserted = await db()
      .insert(calls)
      .values(
        list.map((c) => ({
          organizationId: orgId,
          agentId: c.agentId ?? null,
          status: c.status,
          createdAt: new Date(c.at),
          duration: c.duration ?? null,
          totalCostCents: c.cost ?? null,
        })),
      )
      .returning({ id: calls.id });
    return inserted.map((r) => r.id);
  }
  async function metrics(client: Client, orgId: string, query: Record<string, string> = {}) {
    const res = await client.get(`/api/orgs/${orgId}/metrics?${new URLSearchParams(query)}`);
    expect(res.statusCode, res.body).toBe(200);
    return res.json() as OrgMetrics;
  }
  const statuses = (counts: Partial<Record<CallStatus, number>>): Record<CallStatus, number> => ({
    ...(Object.fromEntries(CALL_STATUSES.map((s) => [s, 0])) as Record<CallStatus, number>),
    ...counts,
  });

  interface Totals {
    total: number;
    answered: number;
    finished: number;
    finished_answered: number;
    duration: number;
    avg: number;
    cost: number;
  }
  /**
   * The answer computed the plain way: GROUP BY over `calls` for exactly [from, to), no rollup.
   * avgDurationSec is compared separately (rounding of a mean may differ in the last digit).
   */
  async function expectedMetrics(orgId: string, from: Date, to: Date, agentId?: string) {
    const agent =
      agentId === undefined
        ? sql`true`
        : agentId === NO_AGENT
          ? sql`agent_id IS NULL`
          : sql`agent_id = ${agentId}`;
    const inRange = sql`organization_id = ${orgId} AND ${agent}
      AND created_at >= ${from.toISOString()}::timestamptz AND created_at < ${to.toISOString()}::timestamptz`;
    const terminal = sql.join(
      TERMINAL_STATUSES.map((s) => sql`${s}`),
      sql`, `,
    );
    const cells = await rows<{ day: string; status: CallStatus; n: number; cost: number; dur: number }>(sql`
      SELECT to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day, status, count(*)::int AS n,
             coalesce(sum(total_cost_cents), 0)::float8 AS cost,
             coalesce(sum(duration) FILTER (WHERE duration > 0), 0)::float8 AS dur
        FROM calls WHERE ${inRange} GROUP BY 1, 2`);
    const [totals] = await rows<Totals>(sql`
      SELECT count(*)::int AS total,
             (count(*) FILTER (WHERE duration > 0))::int AS answered,
             (count(*) FILTER (WHERE status IN (${terminal})))::int AS finished,
             (count(*) FILTER (WHERE status IN (${terminal}) AND duration > 0))::int AS finished_answered,
             coalesce(round(sum(duration) FILTER (WHERE duration > 0), 3), 0)::float8 AS duration,
             coalesce(round(avg(duration) FILTER (WHERE duration > 0), 3), 0)::float8 AS avg,
             coalesce(round(sum(total_cost_cents), 4), 0)::float8 AS cost
        FROM calls WHERE ${inRange}`);
    const [active] = await rows<{ n: number }>(sql`
      SELECT count(*)::int AS n FROM calls
       WHERE organization_id = ${orgId} AND ${agent} AND status NOT IN (${terminal})`);
    const days: OrgMetrics['callsPerDay'] = [];
    for (let d = Math.floor(from.getTime() / DAY) * DAY; d < to.getTime(); d += DAY) {
      const date = new Date(d).toISOString().slice(0, 10);
      const mine = cells.filter((c) => c.day === date);
      days.push({
        date,
        total: mine.reduce((n, c) => n + c.n, 0),
        byStatus: statuses(Object.fromEntries(mine.map((c) => [c.status, c.n]))),
        costCents: Math.round(mine.reduce((n, c) => n + c.cost, 0) * 10_000) / 10_000,
        durationSec: Math.round(mine.reduce((n, c) => n + c.dur, 0) * 1_000) / 1_000,
      });
    }
    const byStatus = statuses({});
    for (const c of cells) byStatus[c.status] += c.n;
    return {
      metrics: {
        from: from.toISOString(),
        to: to.toISOString(),
        agentId: agentId ?? null,
        totalCalls: totals!.total,
        activeCalls: active!.n,
        byStatus,
        answeredCalls: totals!.answered,
        finishedCalls: totals!.finished,
        successRate: totals!.finished === 0 ? 0 : totals!.finished_answered / totals!.finished,
        totalDurationSec: totals!.duration,
        totalCostCents: totals!.cost,
        callsPerDay: days,
      },
      avgDurationSec: totals!.avg,
    };
  }

  /**
   * The rollup, key by key (the sum of its writers' rows), against a GROUP BY of `calls` (keys left at
   * zero excepted).
   */
  async function expectRollupExact(): Promise<void> {
    const rollup = await rows<Record<string, string>>(sql`
      SELECT organization_id::text AS org, agent_id::text AS agent, day::text AS day, status,
             sum(calls)::text AS n, sum(answered)::text AS answered, sum(duration_sum)::text AS dur,
             sum(cost_sum)::text AS cost
        FROM call_stats_daily
       GROUP BY 1, 2, 3, 4
      HAVING sum(calls) <> 0 OR sum(answered) <> 0 OR sum(duration_sum) <> 0 OR sum(cost_sum) <> 0
       ORDER BY 1, 2, 3, 4`);
    const raw = await rows<Record<string, string>>(sql`
      SELECT organization_id::text AS org, coalesce(agent_id, ${NO_AGENT}::uuid)::text AS agent,
             (created_at AT TIME ZONE 'UTC')::date::text AS day, status, count(*)::text AS n,
             (count(*) FILTER (WHERE duration > 0))::text AS answered,
             coalesce(sum(duration) FILTER (WHERE duration > 0), 0)::text AS dur,
             coalesce(sum(total_cost_cents), 0)::text AS cost
        FROM calls GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4`);
    // Numeric text may differ in trailing zeros (12.5 vs 12.5000): compare the numbers.
    const norm = (r: Record<string, string>) => ({ ...r, dur: Number(r.dur), cost: Number(r.cost) });
    expect(rollup.map(norm)).toEqual(raw.map(norm));
  }

  it('counts exactly what every kind of write changes, status by status and day by day', async () => {
    const owner = await signUp(t.app);
    const x = await insertAgent(owner.orgId, 'X');
    const y = await insertAgent(owner.orgId, 'Y');
    const [a, b] = await insertCalls(owner.orgId, [
      { agentId: x, status: 'initiated', at: '2026-11-10T09:00:00Z' },
      { agentId: x, status: 'completed', at: '2026-11-10T10:00:00Z', duration: 30, cost: 12.5 },
      { agentId: y, status: 'no_answer', at: '2026-11-10T11:00:00Z', duration: 0, cost: 0.4 },
      { agentId: null, status: 'failed', at: '2026-11-11T08:00:00Z' },
      { agentId: y, status: 'busy', at: '2026-11-11T09:00:00Z', cost: 1.25 },
    ]);
    const range = { from: '2026-11-10', to: '2026-11-12' };
    const get = (query: Record<string, string> = {}) =>
      metrics(owner.client, owner.orgId, { ...range, ...query });
    const update = (id: string, set: SQL) => db().execute(sql`UPDATE calls SET ${set} WHERE id = ${id}`);

    expect(await get()).toEqual({
      from: '2026-11-10T00:00:00.000Z',
      to: '2026-11-12T00:00:00.000Z',
      agentId: null,
      totalCalls: 5,
      activeCalls: 1,
      byStatus: statuses({ initiated: 1, completed: 1, no_answer: 1, failed: 1, busy: 1 }),
      answeredCalls: 1,
      finishedCalls: 4,
      successRate: 0.25,
      avgDurationSec: 30,
      totalDurationSec: 30,
      totalCostCents: 14.15,
      callsPerDay: [
        {
          date: '2026-11-10',
          total: 3,
          byStatus: statuses({ initiated: 1, completed: 1, no_answer: 1 }),
          costCents: 12.9,
          durationSec: 30,
        },
        {
          date: '2026-11-11',
          total: 2,
          byStatus: statuses({ failed: 1, busy: 1 }),
          costCents: 1.25,
          durationSec: 0,
        },
      ],
    });

    // Status moves up one write at a time; the duration and the cost arrive after the final status.
    for (const status of ['in_progress', 'call_disconnected', 'completed']) {
      await update(a!, sql`status = ${status}`);
    }
    expect(await get()).toMatchObject({
      activeCalls: 0,
      byStatus: statuses({ completed: 2, no_answer: 1, failed: 1, busy: 1 }),
      answeredCalls: 1,
      finishedCalls: 5,
      successRate: 0.2,
    });
    await update(a!, sql`duration = 45.5`);
    await update(a!, sql`total_cost_cents = 7.25`);
    expect(await get()).toMatchObject({
      answeredCalls: 2,
      successRate: 0.4,
      totalDurationSec: 75.5,
      avgDurationSec: 37.75,
      totalCostCents: 21.4,
    });

    // Deleting agent Y (ON DELETE SET NULL) moves its calls to "no agent".
    await db().execute(sql`DELETE FROM agents WHERE id = ${y}`);
    expect(await get({ agentId: y })).toMatchObject({ totalCalls: 0, totalCostCents: 0 });
    expect(await get({ agentId: NO_AGENT })).toMatchObject({
      agentId: NO_AGENT,
      totalCalls: 3,
      byStatus: statuses({ no_answer: 1, failed: 1, busy: 1 }),
      answeredCalls: 0,
      successRate: 0,
      avgDurationSec: 0,
      totalCostCents: 1.65,
    });

    // A rolled-back delete changes nothing; a committed one takes the call out.
    await expect(
      db().transaction(async (tx) => {
        await tx.execute(sql`DELETE FROM calls WHERE id = ${b}`);
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    expect((await get()).totalCalls).toBe(5);
    await db().execute(sql`DELETE FROM calls WHERE id = ${b}`);
    // created_at never changes in the platform; if it does, the call moves to its new day.
    await update(a!, sql`created_at = '2026-11-11T23:59:59.999Z'`);
    expect(await get()).toMatchObject({
      totalCalls: 4,
      byStatus: statuses({ completed: 1, no_answer: 1, failed: 1, busy: 1 }),
      answeredCalls: 1,
      finishedCalls: 4,
      successRate: 0.25,
      totalDurationSec: 45.5,
      avgDurationSec: 45.5,
      totalCostCents: 8.9,
      callsPerDay: [
        { date: '2026-11-10', total: 1, byStatus: statuses({ no_answer: 1 }) },
        { date: '2026-11-11', total: 3, byStatus: statuses({ completed: 1, failed: 1, busy: 1 }) },
      ],
    });
    expect(await get({ agentId: x })).toMatchObject({
      totalCalls: 1,
      answeredCalls: 1,
      successRate: 1,
      avgDurationSec: 45.5,
      totalCostCents: 7.25,
    });
    await expectRollupExact();
  });

  it('matches a plain GROUP BY over calls for any range and agent after a random history of writes', async () => {
    const seed = Number(process.env.METRICS_SEED ?? 20261121);
    const random = mulberry32(seed);
    const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
    const alpha = await signUp(t.app, { organizationName: 'Alpha' });
    const bravo = await signUp(t.app, { organizationName: 'Bravo' });
    const agents = [
      await insertAgent(alpha.orgId, 'A1'),
      await insertAgent(alpha.orgId, 'A2'),
      await insertAgent(alpha.orgId, 'A3'),
    ];
    let liveAgents = [...agents];
    const bravoAgent = await insertAgent(bravo.orgId, 'B1');
    const base = Date.parse('2026-11-09T00:00:00Z');
    const someDay = () => base + Math.floor(random() * 8) * DAY;
    // One in ten on a midnight or a millisecond before one.
    const someInstant = () =>
      random() < 0.1 ? someDay() - (random() < 0.5 ? 1 : 0) : base + Math.floor(random() * 8 * DAY);
    const someTime = () => new Date(someInstant()).toISOString();
    const someDuration = () =>
      random() < 0.4 ? null : random() < 0.25 ? 0 : Math.round(random() * 600_000) / 1000;
    const someCost = () => (random() < 0.4 ? null : Math.round(random() * 5_000_000) / 10_000);
    let ids: string[] = [];
    const refreshIds = async () => {
      ids = (await rows<{ id: string }>(sql`SELECT id FROM calls ORDER BY id`)).map((r) => r.id);
    };
    const execute = (query: SQL) => db().execute(query);
    const update = (set: SQL) => execute(sql`UPDATE calls SET ${set} WHERE id = ${pick(ids)}`);

    async function insertSome() {
      const alphaCalls = random() < 0.7;
      const list = Array.from({ length: 1 + Math.floor(random() * 4) }, () => ({
        agentId: alphaCalls ? pick([...liveAgents, null]) : pick([bravoAgent, null]),
        status: pick(CALL_STATUSES),
        at: someTime(),
        duration: someDuration(),
        cost: someCost(),
      }));
      ids.push(...(await insertCalls(alphaCalls ? alpha.orgId : bravo.orgId, list)));
    }
    async function deleteOne() {
      const id = pick(ids);
      await execute(sql`DELETE FROM calls WHERE id = ${id}`);
      ids = ids.filter((i) => i !== id);
    }
    async function finishTwoDays() {
      const day = new Date(someDay()).toISOString();
      await execute(sql`
        UPDATE calls SET status = 'completed', duration = coalesce(duration, 12.345)
         WHERE status IN ('queued', 'initiated', 'ringing', 'in_progress', 'call_disconnected')
           AND created_at >= ${day}::timestamptz AND created_at < ${day}::timestamptz + interval '2 days'`);
    }
    async function deleteMany() {
      await execute(
        sql`DELETE FROM calls WHERE status = ${pick(TERMINAL_STATUSES)} AND created_at < ${someTime()}::timestamptz`,
      );
      await refreshIds();
    }
    async function rolledBack() {
      await db()
        .transaction(async (tx) => {
          await tx.execute(sql`UPDATE calls SET status = 'failed', duration = 99 WHERE id = ${pick(ids)}`);
          await tx.execute(sql`DELETE FROM calls WHERE id = ${pick(ids)}`);
          tx.rollback();
        })
        .catch(() => {});
    }
    const ops: [number, () => Promise<unknown>][] = [
      [24, insertSome],
      [16, () => update(sql`status = ${pick(CALL_STATUSES)}, version = version + 1`)],
      [8, () => update(sql`duration = coalesce(duration, ${someDuration()})`)],
      [8, () => update(sql`total_cost_cents = coalesce(total_cost_cents, ${someCost()})`)],
      [
        6,
        () =>
          update(sql`status = ${pick(TERMINAL_STATUSES)}, duration = ${someDuration()},
            total_cost_cents = ${someCost()}, agent_id = ${pick([...liveAgents, null])}`),
      ],
      [4, () => update(sql`agent_id = ${pick([...liveAgents, null])}`)],
      [3, () => update(sql`created_at = ${someTime()}::timestamptz`)],
      [2, () => update(sql`duration = ${pick([0, null])}, total_cost_cents = NULL`)],
      [2, () => update(sql`organization_id = ${pick([alpha.orgId, bravo.orgId])}, agent_id = NULL`)],
      [8, () => update(sql`last_polled_at = now(), transcription = 'hello'`)],
      [7, deleteOne],
      [2, finishTwoDays],
      [1, deleteMany],
      [2, rolledBack],
    ];
    const weight = ops.reduce((n, [w]) => n + w, 0);
    for (let step = 0; step < 400; step++) {
      if (step === 250) {
        // A hard-deleted agent: ON DELETE SET NULL rewrites its calls.
        await execute(sql`DELETE FROM agents WHERE id = ${agents[1]}`);
        liveAgents = liveAgents.filter((a) => a !== agents[1]);
      }
      let roll = random() * weight;
      const op = ops.find(([w]) => (roll -= w) < 0)![1];
      await (ids.length === 0 ? insertSome() : op());
      if (step % 100 === 99) await expectRollupExact();
    }
    const [{ n: alphaCalls } = { n: 0 }] = await rows<{ n: number }>(
      sql`SELECT count(*)::int AS n FROM calls WHERE organization_id = ${alpha.orgId}`,
    );
    expect(alphaCalls, `seed ${seed}`).toBeGreaterThan(100);

    // Instants of real calls, to probe the inclusive `from` and exclusive `to` at the millisecond.
    const instants = (
      await rows<{ at: string }>(sql`
        SELECT to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS at
          FROM calls WHERE organization_id = ${alpha.orgId} ORDER BY created_at`)
    ).map((r) => r.at);
    const mid = instants[Math.floor(instants.length / 2)]!;
    const ranges: [string, string][] = [
      ['2026-11-08', '2026-11-18'], // whole days, all of the data
      ['2026-11-10T00:00:00Z', '2026-11-13T00:00:00.000+00:00'], // whole days as date-times
      ['2026-11-10T07:13:22.517Z', '2026-11-14T18:00:00.001Z'], // partial first and last day
      ['2026-11-11T12:00:00Z', '2026-11-14'], // partial first day only
      ['2026-11-11', '2026-11-14T06:30:00Z'], // partial last day only
      ['2026-11-12T03:00:00Z', '2026-11-12T21:30:00Z'], // inside one day
      ['2026-11-12T20:00:00Z', '2026-11-13T04:00:00Z'], // across one midnight, no whole day
      ['2026-11-12T00:00:00+05:30', '2026-11-14T00:00:00-03:00'], // offsets
      [instants[3]!, instants.at(-4)!], // edges on real calls: the first counted, the last not
      [mid, new Date(Date.parse(mid) + 1).toISOString()], // one millisecond
      ['2026-10-01', '2026-10-05'], // no calls at all
    ];
    const filters = [undefined, agents[0], agents[1], agents[2], NO_AGENT, bravoAgent, randomUUID()];
    const failures: string[] = [];
    for (const [from, to] of ranges) {
      for (const agentId of filters) {
        const query = { from, to, ...(agentId ? { agentId } : {}) };
        const actual = await metrics(alpha.client, alpha.orgId, query);
        const { metrics: want, avgDurationSec } = await expectedMetrics(
          alpha.orgId,
          new Date(from),
          new Date(to),
          agentId,
        );
        const { avgDurationSec: got, ...rest } = actual;
        if (JSON.stringify(rest) !== JSON.stringify(want) || Math.abs(got - avgDurationSec) > 0.0011) {
          expect(rest, `seed ${seed}, ${JSON.stringify(query)}`).toEqual(want);
          failures.push(`${JSON.stringify(query)}: avg ${got} != ${avgDurationSec}`);
        }
      }
    }
    expect(failures, `seed ${seed}`).toEqual([]);
    // Bravo's calls fall on the same days: they were never counted for Alpha, and are for Bravo.
    const bravoAll = await metrics(bravo.client, bravo.orgId, { from: '2026-11-08', to: '2026-11-18' });
    const bravoWant = await expectedMetrics(bravo.orgId, new Date('2026-11-08'), new Date('2026-11-18'));
    expect(bravoAll).toMatchObject(bravoWant.metrics);
    expect(bravoAll.totalCalls).toBeGreaterThan(0);
    await expectRollupExact();

    // The fold job moves the backends' rows into the writer-0 rows and changes no count.
    const unfolded = async () => (await rows(sql`SELECT 1 FROM call_stats_daily WHERE writer <> 0`)).length;
    expect(await unfolded()).toBeGreaterThan(0);
    await t.jobs.send('metrics.fold-counters', {});
    await expect.poll(unfolded, { timeout: 20_000, interval: 200 }).toBe(0);
    await expectRollupExact();
    expect(await metrics(bravo.client, bravo.orgId, { from: '2026-11-08', to: '2026-11-18' })).toEqual(
      bravoAll,
    );
  });

  it('defaults to the last 30 UTC days including today, and to 30 days before a given end', async () => {
    const owner = await signUp(t.app);
    await insertCalls(owner.orgId, [
      { status: 'completed', at: '2026-10-16T23:59:59.999Z', duration: 5 }, // 31st day back: outside
      { status: 'completed', at: '2026-10-17T00:00:00.000Z', duration: 7 },
      { status: 'ringing', at: '2026-11-15T14:59:00.000Z' }, // today (NOW is 15:00)
    ]);
    const last30 = await metrics(owner.client, owner.orgId);
    expect(last30).toMatchObject({
      from: '2026-10-17T00:00:00.000Z',
      to: '2026-11-16T00:00:00.000Z',
      totalCalls: 2,
      activeCalls: 1,
      answeredCalls: 1,
      successRate: 1,
    });
    expect(last30.callsPerDay).toHaveLength(30);
    expect(last30.callsPerDay[0]).toMatchObject({ date: '2026-10-17', total: 1 });
    expect(last30.callsPerDay.at(-1)).toMatchObject({ date: '2026-11-15', total: 1 });

    const beforeEnd = await metrics(owner.client, owner.orgId, { to: '2026-11-01T12:00:00Z' });
    expect(beforeEnd).toMatchObject({ from: '2026-10-02T12:00:00.000Z', totalCalls: 2 });
    expect(beforeEnd.callsPerDay).toHaveLength(31); // two partial days at the ends
    const sinceStart = await metrics(owner.client, owner.orgId, { from: '2026-10-17' });
    expect(sinceStart).toMatchObject({ to: '2026-11-16T00:00:00.000Z', totalCalls: 2 });
  });

  it("never counts another organization's calls, and lets viewers and viewer keys read", async () => {
    const alpha = await signUp(t.app);
    const bravo = await signUp(t.app);
    const bravoAgent = await insertAgent(bravo.orgId);
    await insertCalls(bravo.orgId, [
      { agentId: bravoAgent, status: 'completed', at: '2026-11-14T10:00:00Z', duration: 60, cost: 3 },
      { agentId: null, status: 'in_progress', at: '2026-11-14T10:00:00Z' },
    ]);
    await insertCalls(alpha.orgId, [{ status: 'failed', at: '2026-11-14T11:00:00Z' }]);
    const viewer = await addMember(t.app, alpha.client, alpha.orgId, 'viewer');
    const key = await apiKeyClient(t.app, alpha.client, alpha.orgId, 'viewer');
    for (const client of [alpha.client, viewer.client, key.client]) {
      for (const query of [
        {} as Record<string, string>,
        { from: '2026-11-14T09:00:00Z', to: '2026-11-14T12:00:00Z' },
        { agentId: bravoAgent },
      ]) {
        const m = await metrics(client, alpha.orgId, query);
        const mine = 'agentId' in query ? 0 : 1;
        expect(m).toMatchObject({ totalCalls: mine, activeCalls: 0, answeredCalls: 0, totalCostCents: 0 });
      }
    }
    expectError(await bravo.client.get(`/api/orgs/${alpha.orgId}/metrics`), 404, 'not_found');
  });

  it('answers 400 naming the field for a bad query', async () => {
    const owner = await signUp(t.app);
    const fieldsOf = async (query: string) => {
      const body = expectError(await owner.client.get(`/api/orgs/${owner.orgId}/metrics?${query}`), 400);
      return (body as unknown as { details: { issues: { field: string }[] } }).details.issues.map(
        (i) => i.field,
      );
    };
    expect(await fieldsOf('from=yesterday')).toEqual(['querystring.from']);
    expect(await fieldsOf('to=2026-13-01')).toEqual(['querystring.to']);
    expect(await fieldsOf('from=2026-11-01T10:00:00')).toEqual(['querystring.from']); // no offset
    expect(await fieldsOf('agentId=agent-7')).toEqual(['querystring.agentId']);
    expect(await fieldsOf('from=2026-11-10&to=2026-11-01')).toEqual(['querystring.from']);
    expect(await fieldsOf('from=2026-11-10&to=2026-11-10')).toEqual(['querystring.from']);
    expect(await fieldsOf('from=2024-01-01&to=2026-01-01')).toEqual(['querystring.from']);
    // After defaults: a start after the default end (the next midnight), or too long ago.
    expect(await fieldsOf('from=2026-11-20')).toEqual(['from']);
    expect(await fieldsOf('from=2020-01-01')).toEqual(['from']);
  });

  it.runIf(testDbKind() === 'pg')(
    'lets transactions change calls of one organization, agent and day at once, and folds without waiting (pg only: PGlite has one connection)',
    async () => {
      const owner = await signUp(t.app);
      const agent = await insertAgent(owner.orgId);
      const ids = await insertCalls(owner.orgId, [
        { agentId: agent, status: 'initiated', at: '2026-11-15T10:00:00Z' },
        { agentId: agent, status: 'initiated', at: '2026-11-15T11:00:00Z' },
      ]);
      const clients = [0, 1, 2].map(() => new pg.Client({ connectionString: t.testDb.url }));
      await Promise.all(clients.map((c) => c.connect()));
      const [first, second, folder] = clients as [pg.Client, pg.Client, pg.Client];
      try {
        // Waiting for another transaction's counter row would fail at once instead of hanging.
        for (const c of clients) await c.query("SET lock_timeout = '2s'");
        await first.query('BEGIN');
        await first.query(`UPDATE calls SET status = 'ringing' WHERE id = $1`, [ids[0]]);
        await second.query('BEGIN');
        await second.query(`UPDATE calls SET status = 'ringing', duration = 3 WHERE id = $1`, [ids[1]]);
        await folder.query('SELECT call_stats_fold()');
        await second.query('COMMIT');
        await folder.query('SELECT call_stats_fold()');
        await first.query('COMMIT');
      } finally {
        await Promise.all(clients.map((c) => c.end()));
      }
      await expectRollupExact();
      const m = await metrics(owner.client, owner.orgId, { from: '2026-11-15', to: '2026-11-16' });
      expect(m).toMatchObject({ totalCalls: 2, byStatus: { ringing: 2 }, answeredCalls: 1 });
    },
  );

  it("takes an organization's counters with it when the organization is deleted", async () => {
    const owner = await signUp(t.app);
    const agent = await insertAgent(owner.orgId);
    await insertCalls(owner.orgId, [
      { agentId: agent, status: 'completed', at: '2026-11-14T10:00:00Z', duration: 60 },
      { agentId: null, status: 'queued', at: '2026-11-13T10:00:00Z' },
    ]);
    const count = async () =>
      (await rows<{ n: number }>(sql`SELECT count(*)::int AS n FROM call_stats_daily WHERE organization_id = ${owner.orgId}`))[0]!.n; // prettier-ignore
    expect(await count()).toBe(2);
    await db().execute(sql`DELETE FROM organizations WHERE id = ${owner.orgId}`);
    expect(await count()).toBe(0);
    await expectRollupExact();
  });
});

/** A small seeded PRNG, so a failing random history can be replayed with METRICS_SEED. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = a;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}
