/**
 * `npm run bench:ingest`: webhook ingestion throughput and latency on PostgreSQL over loopback.
 *
 * Many concurrent senders post realistic Bolna deliveries (the full execution snapshot of each status
 * change, for many different calls) to the real receiver, `POST /api/webhooks/bolna/call-status?token=…`,
 * of the real app (job runtime, ingest queue, Bolna client on the in-process simulator), and the same
 * load to a bare baseline route that only INSERTs the body into a table (the floor cost of storing a
 * delivery). Phases, each after a warm-up:
 *
 *   1. baseline and platform, maximum throughput (autocannon, closed loop), alternately, in
 *      BENCH_ROUNDS rounds: the throughput target takes the median of the rounds' ratios
 *   2. baseline at 70 % of its median maximum (steady open-loop rate), for reference
 *   3. platform at 70 % of its median maximum (steady open-loop rate): the latency target
 *   4. platform at 70 % with autocannon's `overallRate` (bursts each second), for reference
 *
 * Targets: platform max ≥ 0.5 × baseline max; p99 < 50 ms at 70 % of the platform's max rate.
 * Exit code 0 when the run worked, whatever the verdicts; 1 on errors (non-2xx answers, failed or
 * unfinished merges, stored counts that do not match, setup failures).
 *
 * Environment: BENCH_DATABASE_URL (postgres://postgres@127.0.0.1:5432/postgres), BENCH_DURATION_S (10),
 * BENCH_WARMUP_S (3), BENCH_CONNECTIONS (64), BENCH_RATE_PERCENT (70), BENCH_ORGS (4),
 * BENCH_AGENTS_PER_ORG (2), BENCH_CALLS (2000 call templates), BENCH_SEED (1), BENCH_DRAIN_TIMEOUT_S (120), BENCH_ROUNDS (3),
 * and the platform's own variables (DATABASE_POOL_MAX, POLL_INTERVAL_S (default here 3600), LOG_LEVEL
 * (default here warn), …).
 */
import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { BASELINE_PATH, startBaseline, type BaselineServer } from './lib/baseline.js';
import { cpuSince, cpuSnapshot, noiseWarnings, type CpuShare } from './lib/cpu.js';
import { createBenchDatabase, DEFAULT_BENCH_DATABASE_URL, type BenchDatabase } from './lib/database.js';
import {
  LATE_SEND_MS,
  SLOW_WINDOW_MS,
  startLoadGenerator,
  type LoadGenerator,
  type LoadRequest,
  type LoadResult,
} from './lib/load.js';
import { buildCallTemplates, LIFECYCLE } from './lib/payloads.js';
import { createOrganizations, startPlatform, type BenchPlatform } from './lib/platform.js';
import { numberFromEnv } from './lib/env.js';
import { fixed, mib, ms, passFail, table } from './lib/report.js';

/** Deliveries per second of the open-loop second of each warm-up (any rate the servers take easily). */
const PACED_WARMUP_RATE = 300;

const settings = {
  baseUrl: process.env.BENCH_DATABASE_URL || DEFAULT_BENCH_DATABASE_URL,
  durationS: numberFromEnv('BENCH_DURATION_S', 10, { min: 1 }),
  warmupS: numberFromEnv('BENCH_WARMUP_S', 3, { min: 0 }),
  connections: Math.round(numberFromEnv('BENCH_CONNECTIONS', 64, { min: 1 })),
  ratePercent: numberFromEnv('BENCH_RATE_PERCENT', 70, { min: 1 }),
  orgs: Math.round(numberFromEnv('BENCH_ORGS', 4, { min: 1 })),
  agentsPerOrg: Math.round(numberFromEnv('BENCH_AGENTS_PER_ORG', 2, { min: 1 })),
  calls: Math.round(numberFromEnv('BENCH_CALLS', 2000, { min: 1 })),
  seed: Math.round(numberFromEnv('BENCH_SEED', 1, { min: 0 })),
  drainTimeoutS: numberFromEnv('BENCH_DRAIN_TIMEOUT_S', 120, { min: 1 }),
  rounds: Math.round(numberFromEnv('BENCH_ROUNDS', 3, { min: 1 })),
};

const TARGET_RATIO = 0.5;
const TARGET_P99_MS = 50;

/** Percent of one core the load generator used during the phase. */
const loadCpu = (p: Phase) => p.result.loadCpuMs / 10 / p.result.durationS;
/** Percent of one core used by everything else on the machine (other programs, the kernel, …). */
const otherCpu = (p: Phase) =>
  Math.max(0, p.cpu.machine - p.cpu.stolen - p.cpu.servers - p.cpu.postgres - loadCpu(p));

/**
 * CPU milliseconds one delivery cost in this process or in PostgreSQL during the phase: what bounds the
 * throughput on a machine of this many cores, and the number to compare when the machine was not quiet.
 */
const costPerDelivery = (p: Phase, where: 'servers' | 'postgres') =>
  (p.cpu[where] * 10 * p.result.durationS) / Math.max(1, p.result.ok);

interface Phase {
  name: string;
  target: 'baseline' | 'platform';
  result: LoadResult;
  cpu: CpuShare;
  peakRss: number;
  /** Platform: deliveries still waiting for their merge when the load stopped, and the time to finish them. */
  backlog?: number;
  drainS?: number;
  /** Platform: the ingest queue's INSERTs during the phase (its `automitra_webhook_store_duration_seconds`). */
  stores?: Transactions;
  /** Platform: the ingest queue's merge transactions during the phase (its `automitra_merge_duration_seconds`). */
  merges?: Transactions;
}

/** Transactions of the ingest queue over a phase: how many, their mean time, deliveries in each. */
interface Transactions {
  count: number;
  meanMs: number;
  deliveriesEach: number;
}

const log = (line = '') => process.stdout.write(`${line}\n`);
// Output piped into a command that exits early (`| head`) must not skip the cleanup (dropping the database).
process.stdout.on('error', () => {});

/** Samples this process's RSS while `work` runs; returns the peak with the result. */
async function withPeakRss<T>(work: () => Promise<T>): Promise<{ value: T; peakRss: number }> {
  let peakRss = process.memoryUsage.rss();
  const timer = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage.rss())), 100);
  try {
    const value = await work();
    return { value, peakRss: Math.max(peakRss, process.memoryUsage.rss()) };
  } finally {
    clearInterval(timer);
  }
}

/**
 * The ingest queue's counters as the app's registry holds them: statements storing deliveries and
 * merge transactions (one per batch, and one per delivery of a batch retried one by one), their total
 * time, and webhook deliveries stored.
 */
async function ingestCounters(app: BenchPlatform['app']) {
  const { storeDuration, mergeDuration, webhookDeliveries } = app.automitra.metrics;
  const histogram = async (metric: typeof mergeDuration) => {
    const values = (await metric.get()).values;
    const sample = (suffix: string) =>
      values.find((v) => v.metricName?.endsWith(`_seconds_${suffix}`))?.value ?? 0;
    return { count: sample('count'), seconds: sample('sum') };
  };
  const stored =
    (await webhookDeliveries.get()).values.find((v) => v.labels.source === 'webhook')?.value ?? 0;
  return {
    stores: await histogram(storeDuration),
    merges: await histogram(mergeDuration),
    deliveries: stored,
  };
}

/** What the counters say of a phase: statements (or transactions), their mean time, deliveries in each. */
function transactionsBetween(
  before: { count: number; seconds: number },
  after: { count: number; seconds: number },
  deliveries: number,
): Transactions {
  const count = after.count - before.count;
  return {
    count,
    meanMs: ((after.seconds - before.seconds) * 1000) / Math.max(1, count),
    deliveriesEach: deliveries / Math.max(1, count),
  };
}

async function unmerged(pool: pg.Pool): Promise<{ waiting: number; stored: number }> {
  const { rows } = await pool.query<{ waiting: string; stored: string }>(
    'SELECT count(*) FILTER (WHERE verdict IS NULL) AS waiting, count(*) AS stored FROM webhook_events',
  );
  return { waiting: Number(rows[0]!.waiting), stored: Number(rows[0]!.stored) };
}

/**
 * Waits until every stored delivery has a verdict and nothing more is being stored (requests still
 * in flight when the load stopped are stored and merged by the ingest queue in their own
 * transactions, invisible until they commit); returns the seconds until no verdict was missing.
 */
async function drain(pool: pg.Pool, timeoutS: number): Promise<number> {
  const started = performance.now();
  let previous = -1;
  let mergedAt: number | undefined;
  for (;;) {
    const { waiting, stored } = await unmerged(pool);
    if (waiting > 0) mergedAt = undefined;
    else mergedAt ??= performance.now();
    if (waiting === 0 && stored === previous) break;
    previous = stored;
    if (performance.now() - started > timeoutS * 1000) {
      throw new Error(`deliveries were still unmerged after ${timeoutS} s (BENCH_DRAIN_TIMEOUT_S)`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return ((mergedAt ?? performance.now()) - started) / 1000;
}

/** Set on Ctrl-C or SIGTERM: the run stops, cleans up and exits 130. */
let interruptedBy: NodeJS.Signals | undefined;

async function main(): Promise<number> {
  const cleanups: (() => Promise<void>)[] = [];
  // One cleanup, whoever asks first (the end of the run, an error, Ctrl-C): the others wait for it.
  let cleaning: Promise<void> | undefined;
  const cleanup = () =>
    (cleaning ??= (async () => {
      for (const step of cleanups.splice(0).reverse()) {
        await step().catch((err: Error) => log(`cleanup: ${err.message}`));
      }
    })());
  const interrupted = (signal: NodeJS.Signals) => {
    if (interruptedBy) return;
    interruptedBy = signal;
    log(`\n${signal}: cleaning up`);
    void cleanup().then(() => process.exit(130));
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);

  try {
    const cpu = cpus();
    log(`bench:ingest: ${cpu.length} × ${cpu[0]?.model.trim() ?? 'unknown CPU'}, Node ${process.version}`);

    const db: BenchDatabase = await createBenchDatabase(settings.baseUrl);
    cleanups.push(() => db.drop());
    log(`database: ${db.name} (created and migrated; dropped at the end)`);

    const platform: BenchPlatform = await startPlatform({
      databaseUrl: db.url,
      env: {
        ...process.env,
        LOG_LEVEL: process.env.LOG_LEVEL || 'warn',
        POLL_INTERVAL_S: process.env.POLL_INTERVAL_S || '3600',
      },
    });
    cleanups.push(() => platform.close());
    const poolMax = platform.config.database.poolMax;

    const orgs = await createOrganizations(platform, settings.orgs, settings.agentsPerOrg);
    const platformTargets = orgs.flatMap((org) =>
      org.providerAgentIds.map((agentId) => ({ agentId, path: org.webhookPath })),
    );

    const baseline: BaselineServer = await startBaseline({
      databaseUrl: db.url,
      poolMax,
      bodyLimitBytes: platform.config.webhookBodyLimitBytes,
    });
    cleanups.push(() => baseline.close());
    const baselineTargets = platformTargets.map((t, i) => ({
      agentId: t.agentId,
      path: `${BASELINE_PATH}?token=${encodeURIComponent(orgs[i % orgs.length]!.token)}`,
    }));

    const stats = new pg.Pool({
      connectionString: db.url,
      max: 1,
      application_name: 'automitra-bench-stats',
    });
    stats.on('error', () => {});
    cleanups.push(() => stats.end());

    // The PostgreSQL processes that work for this run: the bench database's backends and the shared
    // background processes (WAL writer, checkpointer, …); other databases' backends are not counted.
    const postgresPids = async () =>
      (
        await stats.query<{ pid: number }>(
          "SELECT pid FROM pg_stat_activity WHERE datname = current_database() OR backend_type <> 'client backend'",
        )
      ).rows.map((r) => r.pid);

    const load: LoadGenerator = await startLoadGenerator();
    cleanups.push(() => load.close());

    const sizes = buildCallTemplates(settings.calls, settings.seed).flatMap((t) => t.sizes);
    const meanSize = sizes.reduce((a, b) => a + b, 0) / sizes.length;
    log(
      `platform: ${platform.url} (PostgreSQL pool ${poolMax}, job runtime pool 4, POLL_INTERVAL_S ${platform.config.polling.intervalMs / 1000}); baseline: ${baseline.url} (pool ${poolMax})`,
    );
    log(
      `load: ${settings.connections} connections, ${settings.orgs} organizations × ${settings.agentsPerOrg} agents, ${settings.calls} call templates × ${LIFECYCLE.length} deliveries (${fixed(Math.min(...sizes))}–${fixed(Math.max(...sizes))} bytes, mean ${fixed(meanSize)}), a fresh execution id per call; ${settings.warmupS} s warm-up, ${settings.durationS} s per phase`,
    );
    log();

    const request = (
      target: 'baseline' | 'platform',
      mode: LoadRequest['mode'],
      durationS: number,
      rate?: number,
    ): LoadRequest => ({
      mode,
      baseUrl: target === 'baseline' ? baseline.url : platform.url,
      targets: target === 'baseline' ? baselineTargets : platformTargets,
      connections: settings.connections,
      durationS,
      rate,
      slowMs: TARGET_P99_MS,
      templates: settings.calls,
      seed: settings.seed,
    });

    // Answers received, and requests still in flight when a closed-loop run stopped (the server may
    // have stored those without the answer being counted).
    const okCounts = { baseline: 0, platform: 0 };
    const unanswered = { baseline: 0, platform: 0 };
    const count = (target: 'baseline' | 'platform', r: LoadResult) => {
      okCounts[target] += r.ok;
      unanswered[target] += Math.max(0, r.sent - r.completed - r.errors - r.timeouts);
    };
    const phases: Phase[] = [];
    const runPhase = async (
      name: string,
      target: 'baseline' | 'platform',
      mode: LoadRequest['mode'],
      rate?: number,
    ): Promise<Phase> => {
      // A warm-up (at full load) before the first phase of each server: JIT, connections, caches;
      // then a second of open-loop load, so the generator's own paced path is not cold either.
      if (settings.warmupS > 0 && !phases.some((p) => p.target === target)) {
        const warm = await load.run(request(target, 'max', settings.warmupS));
        count(target, warm);
        count(target, await load.run(request(target, 'paced', 1, PACED_WARMUP_RATE)));
        if (target === 'platform') await drain(stats, settings.drainTimeoutS);
      }
      const pidsBefore = await postgresPids();
      const mergesBefore = target === 'platform' ? await ingestCounters(platform.app) : undefined;
      const before = cpuSnapshot(pidsBefore);
      const { value: result, peakRss } = await withPeakRss(() =>
        load.run(request(target, mode, settings.durationS, rate)),
      );
      const pidsAfter = new Set([...pidsBefore, ...(await postgresPids())]);
      const cpuShare = cpuSince(before, cpuSnapshot(pidsAfter));
      count(target, result);
      const phase: Phase = { name, target, result, cpu: cpuShare, peakRss };
      if (target === 'platform') {
        phase.backlog = (await unmerged(stats)).waiting;
        phase.drainS = await drain(stats, settings.drainTimeoutS);
        // After the drain: the merges of the deliveries stored during the phase are all done.
        const counters = await ingestCounters(platform.app);
        const deliveries = counters.deliveries - mergesBefore!.deliveries;
        phase.stores = transactionsBetween(mergesBefore!.stores, counters.stores, deliveries);
        phase.merges = transactionsBetween(mergesBefore!.merges, counters.merges, deliveries);
      }
      phases.push(phase);
      const r = result;
      log(
        `${name}: ${fixed(r.perSecond)} deliveries/s, p50 ${ms(r.latencyMs.p50)}, p99 ${ms(r.latencyMs.p99)}, non-2xx ${r.non2xx}, errors ${r.errors + r.timeouts}` +
          (phase.backlog !== undefined
            ? `, unmerged at stop ${phase.backlog} (merged ${fixed(phase.drainS ?? 0, 1)} s later)`
            : '') +
          (phase.stores && phase.merges
            ? `; ${fixed(phase.stores.count)} INSERTs of ${fixed(phase.stores.deliveriesEach, 1)} deliveries, ${ms(phase.stores.meanMs)} each` +
              `; ${fixed(phase.merges.count)} merge transactions of ${fixed(phase.merges.deliveriesEach, 1)}, ${ms(phase.merges.meanMs)} each`
            : '') +
          (mode === 'paced'
            ? `; sender lag at most ${ms(r.behindMs)}, ${fixed(r.lateSends)} of ${fixed(r.sent)} requests sent over ${LATE_SEND_MS} ms late`
            : '') +
          (r.slow
            ? `; ${fixed(r.slow.count)} answers over ${TARGET_P99_MS} ms, due in ${fixed(r.slow.windows)} of ${fixed(Math.ceil((r.durationS * 1000) / SLOW_WINDOW_MS))} windows of ${SLOW_WINDOW_MS} ms (at most ${fixed(r.slow.worstWindow)} in one)`
            : ''),
      );
      return phase;
    };

    // The maxima in alternating rounds, so both servers meet the same spells of a shared machine
    // (and the same table sizes); each round gives a ratio, and the target takes their median.
    const rounds: { baseline: Phase; platform: Phase }[] = [];
    for (let round = 1; round <= settings.rounds; round += 1) {
      const suffix = settings.rounds > 1 ? ` (round ${round})` : '';
      const baseline = await runPhase(`baseline max${suffix}`, 'baseline', 'max');
      const platform = await runPhase(`platform max${suffix}`, 'platform', 'max');
      rounds.push({ baseline, platform });
    }
    const perSecond = (phase: Phase) => phase.result.perSecond;
    const baselineRate = (median(rounds.map((r) => perSecond(r.baseline))) * settings.ratePercent) / 100;
    await runPhase(`baseline @${settings.ratePercent}%`, 'baseline', 'paced', baselineRate);
    // The round of the median platform maximum (the lower one of an even count) stands for it below.
    const platformMax = [...rounds].sort((a, b) => perSecond(a.platform) - perSecond(b.platform))[
      Math.floor((rounds.length - 1) / 2)
    ]!.platform;
    const platformRate = (perSecond(platformMax) * settings.ratePercent) / 100;
    const platformPaced = await runPhase(
      `platform @${settings.ratePercent}%`,
      'platform',
      'paced',
      platformRate,
    );
    await runPhase(
      `platform @${settings.ratePercent}% (autocannon overallRate)`,
      'platform',
      'max',
      platformRate,
    );

    // Proof of work: every acknowledged delivery is stored, and every stored one merged.
    await drain(stats, settings.drainTimeoutS);
    const verdicts = Object.fromEntries(
      (
        await stats.query<{ verdict: string | null; n: string }>(
          "SELECT coalesce(verdict, 'pending') AS verdict, count(*) AS n FROM webhook_events WHERE source = 'webhook' GROUP BY 1 ORDER BY 1",
        )
      ).rows.map((r) => [r.verdict, Number(r.n)]),
    ) as Record<string, number>;
    const stored = Object.values(verdicts).reduce((a, b) => a + b, 0);
    const callStatuses = Object.fromEntries(
      (
        await stats.query<{ status: string; n: string }>(
          'SELECT status, count(*) AS n FROM calls GROUP BY 1 ORDER BY 2 DESC',
        )
      ).rows.map((r) => [r.status, Number(r.n)]),
    ) as Record<string, number>;
    const callCount = Object.values(callStatuses).reduce((a, b) => a + b, 0);
    const executions = Number(
      (
        await stats.query<{ n: string }>(
          "SELECT count(DISTINCT provider_call_id) AS n FROM webhook_events WHERE source = 'webhook'",
        )
      ).rows[0]!.n,
    );
    const baselineRows = await baseline.count();
    const memory = process.memoryUsage();

    log();
    log(
      table(
        [
          'phase',
          'deliveries/s',
          'p50',
          'p99',
          'max',
          'non-2xx / errors',
          'CPU ms per delivery: servers + PostgreSQL',
          'CPU % (of 100 × cores): servers / PostgreSQL / load generator / other / stolen',
        ],
        phases.map((p) => [
          p.name,
          fixed(p.result.perSecond),
          ms(p.result.latencyMs.p50),
          ms(p.result.latencyMs.p99),
          ms(p.result.latencyMs.max),
          `${p.result.non2xx} / ${p.result.errors + p.result.timeouts}`,
          `${fixed(costPerDelivery(p, 'servers'), 2)} + ${fixed(costPerDelivery(p, 'postgres'), 2)}`,
          `${fixed(p.cpu.servers)} / ${fixed(p.cpu.postgres)} / ${fixed(loadCpu(p))} / ${fixed(otherCpu(p))} / ${fixed(p.cpu.stolen)}`,
        ]),
      ),
    );
    noiseWarnings(
      phases.map((p) => ({ other: otherCpu(p), stolen: p.cpu.stolen })),
      'a phase',
    ).forEach((line) => log(line));
    log();
    const ratios = rounds.map((r) => perSecond(r.platform) / perSecond(r.baseline));
    const ratio = median(ratios);
    const p99 = platformPaced.result.latencyMs.p99;
    log(
      `target 1: platform max / baseline max = ${rounds
        .map(
          (r, i) =>
            `${fixed(perSecond(r.platform))} / ${fixed(perSecond(r.baseline))} = ${fixed(ratios[i]!, 2)}`,
        )
        .join(
          '; ',
        )}${rounds.length > 1 ? `; median ${fixed(ratio, 2)}` : ''} (≥ ${TARGET_RATIO}): ${passFail(ratio >= TARGET_RATIO)}`,
    );
    log(
      `target 2: p99 at ${settings.ratePercent}% of the platform's max (${fixed(platformRate)} deliveries/s, steady) = ${ms(p99)} (< ${TARGET_P99_MS} ms): ${passFail(p99 < TARGET_P99_MS)}`,
    );
    const sustained = platformMax.result.ok / (platformMax.result.durationS + (platformMax.drainS ?? 0));
    log(
      `platform max${rounds.length > 1 ? ' (its median round)' : ''} including the merges it left behind: ${fixed(sustained)} deliveries/s (${platformMax.backlog} unmerged at stop, merged in ${fixed(platformMax.drainS ?? 0, 1)} s)`,
    );
    log();
    log(
      `stored: ${stored} webhook deliveries (${okCounts.platform} acknowledged with 202 and ${stored - okCounts.platform} still in flight when a run stopped; warm-up included) for ${executions} executions; verdicts: ${Object.entries(
        verdicts,
      )
        .map(([v, n]) => `${v} ${n}`)
        .join(', ')}`,
    );
    log(
      `calls: ${callCount} (${Object.entries(callStatuses)
        .map(([s, n]) => `${s} ${n}`)
        .join(
          ', ',
        )}); baseline rows: ${baselineRows} (${okCounts.baseline} acknowledged, ${baselineRows - okCounts.baseline} in flight at stops)`,
    );
    log(
      `memory (this process: app + baseline + simulator): RSS ${mib(memory.rss)} at the end, peak ${mib(Math.max(...phases.map((p) => p.peakRss)))}; heap used ${mib(memory.heapUsed)}`,
    );

    const problems: string[] = [];
    for (const p of phases) {
      if (p.result.non2xx > 0 || p.result.errors > 0 || p.result.timeouts > 0) {
        problems.push(
          `${p.name}: ${p.result.non2xx} non-2xx (${JSON.stringify(p.result.statusCodes)}), ${p.result.errors} errors, ${p.result.timeouts} timeouts`,
        );
      }
    }
    if (stored < okCounts.platform || stored > okCounts.platform + unanswered.platform)
      problems.push(
        `${okCounts.platform} deliveries acknowledged (+ ${unanswered.platform} in flight at stops) but ${stored} stored`,
      );
    if (baselineRows < okCounts.baseline || baselineRows > okCounts.baseline + unanswered.baseline)
      problems.push(
        `baseline: ${okCounts.baseline} acknowledged (+ ${unanswered.baseline} in flight at stops) but ${baselineRows} stored`,
      );
    if ((verdicts.failed ?? 0) > 0 || (verdicts.pending ?? 0) > 0 || (verdicts.rejected ?? 0) > 0) {
      problems.push(`merges not all done: ${JSON.stringify(verdicts)}`);
    }
    if (callCount !== executions) problems.push(`${executions} executions delivered but ${callCount} calls`);
    if (problems.length > 0) {
      log();
      for (const problem of problems) log(`ERROR: ${problem}`);
      return 1;
    }
    return 0;
  } finally {
    await cleanup();
    process.removeListener('SIGINT', interrupted);
    process.removeListener('SIGTERM', interrupted);
  }
}

/** The middle value (the mean of the two middle ones for an even count). */
function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

main().then(
  (code) => process.exit(interruptedBy ? 130 : code),
  (err: Error) => {
    if (!interruptedBy) console.error(err);
    process.exit(interruptedBy ? 130 : 1);
  },
);
