/**
 * `npm run bench:metrics`: organization metrics on a history of a million calls, on PostgreSQL.
 *
 * In a database of its own (created, migrated, dropped), one organization with 5 agents gets
 * BENCH_CALLS (1,000,000) calls spread evenly over the last 90 days by one `INSERT … SELECT
 * generate_series` (the rollup trigger fires; the load is timed, and so is the same load into
 * `calls_plain`, a copy of `calls` with the same indexes and foreign keys but no trigger). Then:
 *
 *   1. reads: `getOrgMetrics` (rollup for whole days, `calls` for partial ones) for 30 days, 90 days,
 *      one agent, and a range with partial edge days; BENCH_RUNS (50) runs each after 5 warm-ups,
 *      against the baseline of the same answer from a plain GROUP BY over `calls` for the same range.
 *      Both answers must agree, or the run fails.
 *   2. writes: BENCH_UPDATES (10,000) single-row status updates (each its own autocommit statement)
 *      on `calls` (trigger) and on `calls_plain` (none), interleaved in blocks, the same rows in both;
 *      then the same for an update that touches no counted column (poll time), and status updates with
 *      synchronous_commit off (the statement's own cost, without the WAL flush); then 8 concurrent
 *      writers updating distinct calls of the last day (which share counter rows).
 *
 * Exit code 0 when the run worked; 1 on errors or when an answer disagrees with its baseline.
 * Environment: BENCH_DATABASE_URL (postgres://postgres@127.0.0.1:5432/postgres), BENCH_CALLS,
 * BENCH_RUNS, BENCH_UPDATES.
 */
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { openDatabase, type Database } from '../server/db/index.js';
import { getOrgMetrics } from '../server/modules/metrics/metrics.service.js';
import {
  countActiveCalls,
  sumCallsBetween,
  type DayStatusCounts,
} from '../server/modules/metrics/metrics.repository.js';
import type { OrgMetrics } from '../common/schemas/metrics.js';
import { numberFromEnv } from './lib/env.js';
import { createBenchDatabase, DEFAULT_BENCH_DATABASE_URL, type BenchDatabase } from './lib/database.js';
import { fixed, ms, table } from './lib/report.js';

const settings = {
  baseUrl: process.env.BENCH_DATABASE_URL || DEFAULT_BENCH_DATABASE_URL,
  calls: numberFromEnv('BENCH_CALLS', 1_000_000, { min: 1000, integer: true }),
  runs: numberFromEnv('BENCH_RUNS', 50, { min: 1, integer: true }),
  updates: numberFromEnv('BENCH_UPDATES', 10_000, { min: 100, integer: true }),
};
const DAYS = 90;
const AGENTS = 5;
const WARMUP = 5;
const DAY_MS = 86_400_000;
const WRITERS = 8;

const log = (line = '') => process.stdout.write(`${line}\n`);
const us = (milliseconds: number) => `${fixed(milliseconds * 1000)} µs`;

/**
 * The generated calls: `i` = 1 … n, newest first, evenly spread over DAYS days back from now; ids
 * derived from `i`, so `calls` and `calls_plain` hold the same rows. Statuses in realistic shares;
 * the last 15 minutes are still in progress; answered calls have a duration and a cost.
 */
function loadSql(tableName: string): string {
  return `
    INSERT INTO ${tableName} (id, organization_id, agent_id, status, to_number, from_number, duration,
                              total_cost_cents, started_at, ended_at, created_at, updated_at)
    SELECT md5('call' || i)::uuid, $1, ($2::uuid[])[1 + i % ${AGENTS}], s.status, '+91' || (9000000000 + i),
           '+14155550100', d.duration, CASE WHEN d.duration > 0 THEN round(d.duration * 0.0917, 4) END,
           t.at + interval '3 seconds', CASE WHEN s.status NOT IN ('in_progress') THEN t.at + interval '5 minutes' END,
           t.at, t.at
      FROM generate_series(1::bigint, ${settings.calls}) AS i
     CROSS JOIN LATERAL (SELECT $3::timestamptz - (i::float8 / ${settings.calls}) * interval '${DAYS} days' AS at) AS t
     CROSS JOIN LATERAL (SELECT CASE
              WHEN t.at > $3::timestamptz - interval '15 minutes' THEN 'in_progress'
              WHEN (i * 7919) % 100 < 62 THEN 'completed'
              WHEN (i * 7919) % 100 < 77 THEN 'no_answer'
              WHEN (i * 7919) % 100 < 85 THEN 'busy'
              WHEN (i * 7919) % 100 < 91 THEN 'failed'
              WHEN (i * 7919) % 100 < 94 THEN 'canceled'
              WHEN (i * 7919) % 100 < 97 THEN 'stopped'
              WHEN (i * 7919) % 100 < 99 THEN 'error'
              ELSE 'balance_low' END AS status) AS s
     CROSS JOIN LATERAL (SELECT CASE
              WHEN s.status IN ('completed', 'stopped') THEN 5 + (i * 31) % 600 + ((i * 13) % 1000) / 1000.0
              WHEN s.status = 'no_answer' THEN 0 END AS duration) AS d`;
}

/** p-th percentile (nearest rank) of durations in ms. */
function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

async function timed<T>(work: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const start = performance.now();
  const value = await work();
  return { value, ms: performance.now() - start };
}

/** The headline numbers of an answer, to check the rollup's against the plain GROUP BY's. */
function fingerprint(
  m: Pick<OrgMetrics, 'totalCalls' | 'answeredCalls' | 'activeCalls' | 'byStatus'> & {
    durationSec: number;
    costCents: number;
    perDay: number[];
  },
): string {
  const byStatus = Object.fromEntries(Object.entries(m.byStatus).sort(([a], [b]) => a.localeCompare(b)));
  return JSON.stringify({
    ...m,
    byStatus,
    durationSec: m.durationSec.toFixed(3),
    costCents: m.costCents.toFixed(4),
  });
}

function foldBaseline(cells: DayStatusCounts[], activeCalls: number, from: Date, to: Date): string {
  const perDay = new Map<string, number>();
  for (let t = Math.floor(from.getTime() / DAY_MS) * DAY_MS; t < to.getTime(); t += DAY_MS) {
    perDay.set(new Date(t).toISOString().slice(0, 10), 0);
  }
  const byStatus: Record<string, number> = {};
  let totalCalls = 0;
  let answeredCalls = 0;
  let durationSec = 0;
  let costCents = 0;
  for (const c of cells) {
    perDay.set(c.day, (perDay.get(c.day) ?? 0) + c.calls);
    byStatus[c.status] = (byStatus[c.status] ?? 0) + c.calls;
    totalCalls += c.calls;
    answeredCalls += c.answered;
    durationSec += c.durationSum;
    costCents += c.costSum;
  }
  return fingerprint({
    totalCalls,
    answeredCalls,
    activeCalls,
    byStatus: byStatus as OrgMetrics['byStatus'],
    durationSec,
    costCents,
    perDay: [...perDay.values()],
  });
}

function fingerprintOf(m: OrgMetrics): string {
  const byStatus = Object.fromEntries(Object.entries(m.byStatus).filter(([, n]) => n > 0));
  return fingerprint({
    totalCalls: m.totalCalls,
    answeredCalls: m.answeredCalls,
    activeCalls: m.activeCalls,
    byStatus: byStatus as OrgMetrics['byStatus'],
    durationSec: m.totalDurationSec,
    costCents: m.totalCostCents,
    perDay: m.callsPerDay.map((d) => d.total),
  });
}

interface ReadScenario {
  name: string;
  from: Date;
  to: Date;
  agentId?: string;
}

async function benchReads(database: Database, orgId: string, agents: string[], now: Date) {
  const ctx = { db: database.db, now: () => now };
  const tomorrow = new Date(Math.floor(now.getTime() / DAY_MS) * DAY_MS + DAY_MS);
  const scenarios: ReadScenario[] = [
    { name: 'last 30 days (default range)', from: new Date(tomorrow.getTime() - 30 * DAY_MS), to: tomorrow },
    { name: 'last 90 days', from: new Date(tomorrow.getTime() - DAYS * DAY_MS), to: tomorrow },
    {
      name: 'one agent, last 30 days',
      from: new Date(tomorrow.getTime() - 30 * DAY_MS),
      to: tomorrow,
      agentId: agents[0],
    },
    {
      name: '30 days, partial edge days (now − 30 d → now)',
      from: new Date(now.getTime() - 30 * DAY_MS),
      to: now,
    },
  ];
  const rows: string[][] = [];
  let agree = true;
  for (const s of scenarios) {
    const range = { from: s.from, to: s.to, agentId: s.agentId };
    const rollup = () => getOrgMetrics(ctx, orgId, range);
    const baseline = async () => {
      const [cells, active] = await Promise.all([
        sumCallsBetween(database.db, orgId, [{ from: s.from, to: s.to }], s.agentId),
        countActiveCalls(database.db, orgId, s.agentId),
      ]);
      return foldBaseline(cells, active, s.from, s.to);
    };
    const rollupMs: number[] = [];
    const baselineMs: number[] = [];
    let answer: OrgMetrics | undefined;
    let expected = '';
    for (let run = 0; run < WARMUP + settings.runs; run++) {
      // Alternate which goes first, so neither always meets the other's warm cache.
      const order = run % 2 === 0 ? ['rollup', 'baseline'] : ['baseline', 'rollup'];
      for (const which of order) {
        if (which === 'rollup') {
          const r = await timed(rollup);
          answer = r.value;
          if (run >= WARMUP) rollupMs.push(r.ms);
        } else {
          const r = await timed(baseline);
          expected = r.value;
          if (run >= WARMUP) baselineMs.push(r.ms);
        }
      }
    }
    const same = fingerprintOf(answer!) === expected;
    if (!same) {
      agree = false;
      log(`MISMATCH in "${s.name}":\n  rollup   ${fingerprintOf(answer!)}\n  baseline ${expected}`);
    }
    rows.push([
      s.name,
      fixed(answer!.totalCalls),
      ms(percentile(rollupMs, 50)),
      ms(percentile(rollupMs, 99)),
      ms(percentile(baselineMs, 50)),
      ms(percentile(baselineMs, 99)),
      `${fixed(percentile(baselineMs, 50) / percentile(rollupMs, 50))}×`,
      same ? 'yes' : 'NO',
    ]);
  }
  return { rows, agree };
}

/** Single-row updates, one autocommit statement each, interleaved in blocks between the two tables. */
async function benchUpdates(client: pg.Client, label: string, setClause: string, picks: number[]) {
  const latencies: Record<'calls' | 'calls_plain', number[]> = { calls: [], calls_plain: [] };
  const block = 500;
  for (let start = 0; start < picks.length; start += block) {
    const order =
      (start / block) % 2 === 0 ? (['calls_plain', 'calls'] as const) : (['calls', 'calls_plain'] as const);
    for (const tableName of order) {
      const text = `UPDATE ${tableName} SET ${setClause} WHERE id = md5('call' || $1::int)::uuid`;
      for (const i of picks.slice(start, start + block)) {
        const t0 = performance.now();
        await client.query({ name: `${label}-${tableName}`, text, values: [i] });
        latencies[tableName].push(performance.now() - t0);
      }
    }
  }
  const row = (name: string, values: number[]) => {
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    return [name, fixed(values.length), us(mean), us(percentile(values, 50)), us(percentile(values, 99))];
  };
  const plain = latencies.calls_plain;
  const trig = latencies.calls;
  const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
  return {
    rows: [row(`${label}, no trigger`, plain), row(`${label}, with trigger`, trig)],
    overheadMs: mean(trig) - mean(plain),
  };
}

/** WRITERS connections each updating distinct calls of the last day (they share counter rows). */
async function benchConcurrentWriters(url: string, tableName: string, picks: number[][]): Promise<number> {
  const clients = await Promise.all(picks.map(() => connect(url)));
  try {
    const text = `UPDATE ${tableName} SET status = CASE WHEN status = 'completed' THEN 'failed' ELSE 'completed' END,
                  updated_at = now(), version = version + 1 WHERE id = md5('call' || $1::int)::uuid`;
    const start = performance.now();
    await Promise.all(
      clients.map(async (client, w) => {
        for (const i of picks[w]!) await client.query({ name: `w-${tableName}`, text, values: [i] });
      }),
    );
    const seconds = (performance.now() - start) / 1000;
    return picks.flat().length / seconds;
  } finally {
    await Promise.all(clients.map((c) => c.end()));
  }
}

async function connect(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url, application_name: 'automitra-bench-metrics' });
  await client.connect();
  return client;
}

/** A deterministic spread of distinct call numbers in [lo, hi]. */
function spread(count: number, lo: number, hi: number, salt: number): number[] {
  const picked = new Set<number>();
  let x = salt;
  while (picked.size < Math.min(count, hi - lo + 1)) {
    x = (Math.imul(x, 1_103_515_245) + 12_345) >>> 0;
    picked.add(lo + (x % (hi - lo + 1)));
  }
  return [...picked];
}

async function main(): Promise<number> {
  log(`# bench:metrics: ${fixed(settings.calls)} calls, ${DAYS} days, ${AGENTS} agents, one organization`);
  let bench: BenchDatabase | undefined;
  let database: Database | undefined;
  let admin: pg.Client | undefined;
  try {
    bench = await createBenchDatabase(settings.baseUrl, 'automitra_bench_metrics');
    log(`database ${bench.name} (PostgreSQL)`);
    admin = await connect(bench.url);
    const version = (await admin.query<{ server_version: string }>('SHOW server_version')).rows[0]!
      .server_version;
    const now = new Date();
    const org = await admin.query<{ id: string }>(
      `INSERT INTO organizations (name, webhook_token_hash, webhook_token_enc)
       VALUES ('Bench org', md5(random()::text), 'x') RETURNING id`,
    );
    const orgId = org.rows[0]!.id;
    const agents: string[] = [];
    for (let a = 0; a < AGENTS; a++) {
      const r = await admin.query<{ id: string }>(
        'INSERT INTO agents (organization_id, name) VALUES ($1, $2) RETURNING id',
        [orgId, `Agent ${a + 1}`],
      );
      agents.push(r.rows[0]!.id);
    }
    await admin.query(`CREATE TABLE calls_plain (LIKE calls INCLUDING ALL)`);
    await admin.query(`ALTER TABLE calls_plain
      ADD FOREIGN KEY (organization_id) REFERENCES organizations (id) ON DELETE CASCADE,
      ADD FOREIGN KEY (agent_id) REFERENCES agents (id) ON DELETE SET NULL`);

    const params = [orgId, agents, now.toISOString()];
    await admin.query('CHECKPOINT');
    const plainLoad = await timed(() => admin!.query(loadSql('calls_plain'), params));
    await admin.query('CHECKPOINT');
    const triggerLoad = await timed(() => admin!.query(loadSql('calls'), params));
    const vacuum = await timed(() => admin!.query('VACUUM ANALYZE calls, calls_plain, call_stats_daily'));
    const sizes = (
      await admin.query<{ calls: string; rollup: string; rollup_rows: string }>(
        `SELECT pg_size_pretty(pg_total_relation_size('calls')) AS calls,
                pg_size_pretty(pg_total_relation_size('call_stats_daily')) AS rollup,
                (SELECT count(*) FROM call_stats_daily)::text AS rollup_rows`,
      )
    ).rows[0]!;
    log();
    log(
      `PostgreSQL ${version}; calls ${sizes.calls}; call_stats_daily ${sizes.rollup} (${sizes.rollup_rows} rows)`,
    );
    log();
    log('## Load (one INSERT … SELECT generate_series)');
    log();
    log(
      table(
        ['table', 'calls', 'time', 'calls/s'],
        [
          [
            'calls_plain (no trigger)',
            fixed(settings.calls),
            ms(plainLoad.ms),
            fixed(settings.calls / (plainLoad.ms / 1000)),
          ],
          [
            'calls (rollup trigger)',
            fixed(settings.calls),
            ms(triggerLoad.ms),
            fixed(settings.calls / (triggerLoad.ms / 1000)),
          ],
        ],
      ),
    );
    log(`(then VACUUM ANALYZE: ${ms(vacuum.ms)})`);

    database = await openDatabase({ url: bench.url, poolMax: 4 });
    const reads = await benchReads(database, orgId, agents, now);
    log();
    log(`## Reads (${settings.runs} runs each after ${WARMUP} warm-ups)`);
    log();
    log(
      table(
        [
          'range',
          'calls',
          'rollup p50',
          'rollup p99',
          'GROUP BY p50',
          'GROUP BY p99',
          'speed-up',
          'same answer',
        ],
        reads.rows,
      ),
    );

    const picks = spread(settings.updates, 1, settings.calls, 42);
    const status = await benchUpdates(
      admin,
      'status update',
      `status = CASE WHEN status = 'completed' THEN 'failed' ELSE 'completed' END, updated_at = now(), version = version + 1`,
      picks,
    );
    const untouched = await benchUpdates(admin, 'poll-time update', 'last_polled_at = now()', picks);
    // Without waiting for the WAL flush at each commit: what is left is the work of the statement.
    await admin.query('SET synchronous_commit = off');
    const noFlush = await benchUpdates(
      admin,
      'status update, synchronous_commit off',
      `status = CASE WHEN status = 'completed' THEN 'failed' ELSE 'completed' END, updated_at = now(), version = version + 1`,
      picks,
    );
    await admin.query('RESET synchronous_commit');
    const lastDay = Math.max(WRITERS, Math.floor(settings.calls / DAYS));
    const perWriter = Math.floor(Math.min(settings.updates, lastDay) / WRITERS);
    const writerPicks = Array.from({ length: WRITERS }, (_, w) =>
      spread(
        perWriter,
        1 + w * Math.floor(lastDay / WRITERS),
        (w + 1) * Math.floor(lastDay / WRITERS),
        7 + w,
      ),
    );
    const plainRate = await benchConcurrentWriters(bench.url, 'calls_plain', writerPicks);
    const triggerRate = await benchConcurrentWriters(bench.url, 'calls', writerPicks);
    log();
    log(`## Writes (${fixed(picks.length)} single-row updates each, random calls of the 90 days)`);
    log();
    log(table(['update', 'n', 'mean', 'p50', 'p99'], [...status.rows, ...untouched.rows, ...noFlush.rows]));
    log();
    log(
      `trigger overhead (difference of means) per status update: ${us(status.overheadMs)}; ` +
        `per poll-time update: ${us(untouched.overheadMs)}; ` +
        `per status update without commit flush: ${us(noFlush.overheadMs)}`,
    );
    log(
      `${WRITERS} concurrent writers, ${fixed(writerPicks.flat().length)} status updates of last-day calls: ` +
        `${fixed(plainRate)}/s without trigger, ${fixed(triggerRate)}/s with (${fixed((triggerRate / plainRate) * 100)} %)`,
    );
    // The rollup is still exact after all of that (a key's counters: the sum of its writers' rows).
    const drift = await admin.query<{ n: string }>(`
      SELECT count(*)::text AS n FROM (
        SELECT organization_id, coalesce(agent_id, '00000000-0000-0000-0000-000000000000'::uuid), (created_at AT TIME ZONE 'UTC')::date,
               status, count(*), count(*) FILTER (WHERE duration > 0),
               coalesce(sum(duration) FILTER (WHERE duration > 0), 0), coalesce(sum(total_cost_cents), 0)
          FROM calls GROUP BY 1, 2, 3, 4
        EXCEPT
        SELECT organization_id, agent_id, day, status, sum(calls), sum(answered), sum(duration_sum), sum(cost_sum)
          FROM call_stats_daily GROUP BY 1, 2, 3, 4
      ) AS missing_or_wrong
      UNION ALL
      SELECT count(*)::text FROM (
        SELECT organization_id, agent_id, day, status, sum(calls), sum(answered), sum(duration_sum), sum(cost_sum)
          FROM call_stats_daily GROUP BY 1, 2, 3, 4
        HAVING sum(calls) <> 0 OR sum(answered) <> 0 OR sum(duration_sum) <> 0 OR sum(cost_sum) <> 0
        EXCEPT
        SELECT organization_id, coalesce(agent_id, '00000000-0000-0000-0000-000000000000'::uuid), (created_at AT TIME ZONE 'UTC')::date,
               status, count(*), count(*) FILTER (WHERE duration > 0),
               coalesce(sum(duration) FILTER (WHERE duration > 0), 0), coalesce(sum(total_cost_cents), 0)
          FROM calls GROUP BY 1, 2, 3, 4
      ) AS extra`);
    const exact = drift.rows.every((r) => r.n === '0');
    log(`rollup equal to a GROUP BY over calls after the writes: ${exact ? 'yes' : 'NO'}`);
    return reads.agree && exact ? 0 : 1;
  } finally {
    await database?.close().catch(() => {});
    await admin?.end().catch(() => {});
    await bench?.drop().catch((err: unknown) => log(`could not drop ${bench?.name}: ${String(err)}`));
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(
      `bench:metrics failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exit(1);
  },
);
