/**
 * `npm run bench:realtime`: live updates at scale, on PostgreSQL over loopback.
 *
 * 1,000 Socket.IO clients (BENCH_ORGS 50 organizations × BENCH_CLIENTS_PER_ORG 20, websocket transport,
 * half signed in with the owner's session cookie, half with one of two viewer API keys) watch while
 * Bolna webhooks arrive at a steady rate (BENCH_RATE 200 deliveries/s for BENCH_DURATION_S 20 s, after
 * a BENCH_WARMUP_S 3 s warm-up), spread over the organizations: realistic execution bodies
 * (`lib/payloads.ts`) of calls unknown to the platform, of each organization's agent, so each call's
 * first delivery creates it (`call:created`) and each later status updates it (`call:updated`); a
 * call's deliveries are BENCH_GAP_MS 1 s apart, in Bolna's order (see `lib/realtime-load.ts`).
 *
 * Measured, per client event: the time from the moment the webhook was due to be sent (open loop) to
 * its arrival at each client of that organization, matched by `providerCallId` + `status`; every
 * expected event must arrive at every client of the organization (missed = expected − received = 0),
 * and none at another organization's clients. Also: events/s delivered, the server's memory per 1,000
 * connected sockets (RSS and heap after a forced GC, before and after connecting), CPU and event-loop
 * delay of the server.
 *
 * Baseline, in the same run, with the same clients, load, payloads and machine: a bare Socket.IO server
 * on a bare Fastify server (no database, no authentication, no recovery buffer) that answers the
 * webhook 202 and emits a call-shaped payload of the same size to the organization's room (the floor
 * cost of HTTP in + fan-out out; `lib/realtime-server.ts`).
 *
 * Each server runs alone in a child process (`node --expose-gc --import tsx lib/realtime-server.ts`),
 * the baseline first, then the platform (real app, job runtime, simulator for agent creation, on a
 * fresh PostgreSQL database created, migrated and dropped here); the clients and the sender live in
 * this process.
 *
 * Target: platform p99 < 50 ms. Exit code 0 when the run worked, whatever the verdict; 1 when setup
 * fails, an event is missed or leaks to another organization, a webhook is not answered 2xx, a client
 * disconnects, or the database does not hold what was sent.
 *
 * Environment: BENCH_DATABASE_URL (postgres://postgres@127.0.0.1:5432/postgres), BENCH_ORGS (50),
 * BENCH_CLIENTS_PER_ORG (20), BENCH_RATE (200), BENCH_DURATION_S (20), BENCH_WARMUP_S (3),
 * BENCH_GAP_MS (1000), BENCH_CONNECTIONS (32 keep-alive HTTP connections), BENCH_TEMPLATES (500 call
 * lifecycles), BENCH_SEED (1), BENCH_DRAIN_TIMEOUT_S (15), and the platform's own variables
 * (DATABASE_POOL_MAX, POLL_INTERVAL_S (default here 3600), LOG_LEVEL (default here warn), …).
 */
import { cpus } from 'node:os';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import pg from 'pg';
import { cpuSince, cpuSnapshot, noiseWarnings, type CpuShare } from './lib/cpu.js';
import { createBenchDatabase, DEFAULT_BENCH_DATABASE_URL, type BenchDatabase } from './lib/database.js';
import { connectFleet, type ClientSpec } from './lib/realtime-clients.js';
import {
  distribution,
  prepareTemplates,
  runStream,
  Tracker,
  type Distribution,
  type PreparedTemplate,
  type StreamResult,
  type StreamTarget,
} from './lib/realtime-load.js';
import {
  BASELINE_REALTIME_PATH,
  startServerProcess,
  type ServerMemory,
  type ServerProcess,
  type ServerStats,
} from './lib/realtime-process.js';
import type { ProbeReport } from './lib/realtime-probe.js';
import { createRealtimeOrganizations } from './lib/realtime-setup.js';
import { numberFromEnv } from './lib/env.js';
import { fixed, mib, ms, passFail, table } from './lib/report.js';

const settings = {
  baseUrl: process.env.BENCH_DATABASE_URL || DEFAULT_BENCH_DATABASE_URL,
  orgs: Math.round(numberFromEnv('BENCH_ORGS', 50, { min: 1 })),
  clientsPerOrg: Math.round(numberFromEnv('BENCH_CLIENTS_PER_ORG', 20, { min: 1 })),
  rate: numberFromEnv('BENCH_RATE', 200, { min: 1 }),
  durationS: numberFromEnv('BENCH_DURATION_S', 20, { min: 1 }),
  warmupS: numberFromEnv('BENCH_WARMUP_S', 3, { min: 0 }),
  gapMs: numberFromEnv('BENCH_GAP_MS', 1000, { min: 1 }),
  connections: Math.round(numberFromEnv('BENCH_CONNECTIONS', 32, { min: 1 })),
  templates: Math.round(numberFromEnv('BENCH_TEMPLATES', 500, { min: 1 })),
  seed: Math.round(numberFromEnv('BENCH_SEED', 1, { min: 0 })),
  drainTimeoutS: numberFromEnv('BENCH_DRAIN_TIMEOUT_S', 15, { min: 1 }),
};
const API_KEYS_PER_ORG = 2;
const TARGET_P99_MS = 50;

const log = (line = '') => process.stdout.write(`${line}\n`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Run {
  label: 'baseline' | 'platform';
  sockets: number;
  connectS: number;
  memory: { before: ServerMemory; connected: ServerMemory; loaded: ServerMemory };
  warmup?: { expected: number; missed: number; stream: StreamResult };
  stream: StreamResult;
  tracker: Tracker;
  summary: ReturnType<Tracker['summary']>;
  server: ServerStats;
  cpu: CpuShare;
  /** This process (clients + sender): CPU % of one core and event-loop delay p99. */
  clientCpu: number;
  clientLoopP99: number;
  clientLoopMax: number;
  connectedAtEnd: number;
  disconnects: { count: number; reasons: Record<string, number> };
  /** With BENCH_PROBE=1 (platform only): where the server's time went. */
  probe: ProbeReport | null;
}

/** Connects the clients, measures memory, runs the warm-up and the measured stream, disconnects. */
async function measure(
  label: Run['label'],
  server: ServerProcess,
  specs: ClientSpec[],
  targets: StreamTarget[],
  templates: PreparedTemplate[],
  postgresPids: () => Promise<number[]>,
): Promise<Run> {
  const before = await server.memory();
  let tracker = new Tracker(settings.clientsPerOrg);
  const connectStart = performance.now();
  const fleet = await connectFleet(server.url, specs, (spec, event) => tracker.onEvent(spec, event));
  const connectS = (performance.now() - connectStart) / 1000;
  await sleep(500);
  const connected = await server.memory();
  log(
    `${label}: ${fleet.size} sockets connected in ${fixed(connectS, 1)} s; server RSS ${mib(before.rss)} → ${mib(connected.rss)}, heap used ${mib(before.heapUsed)} → ${mib(connected.heapUsed)}${connected.gc ? ' (after a full GC)' : ' (no --expose-gc: without GC)'}`,
  );
  const counter = { calls: 0 };
  const stream = (durationS: number) =>
    runStream({
      baseUrl: server.url,
      targets,
      templates,
      rate: settings.rate,
      durationS,
      gapMs: settings.gapMs,
      connections: settings.connections,
      tracker,
      counter,
    });
  try {
    let warmup: Run['warmup'];
    if (settings.warmupS > 0) {
      const warm = await stream(settings.warmupS);
      await tracker.drain(settings.drainTimeoutS * 1000);
      warmup = { expected: tracker.expectedEvents, missed: tracker.missed, stream: warm };
      log(
        `${label}: warm-up ${fixed(settings.warmupS)} s, ${warm.ok} deliveries, ${tracker.received}/${tracker.expectedEvents} client events`,
      );
      await sleep(1_000);
    }
    tracker = new Tracker(settings.clientsPerOrg);
    const loop = monitorEventLoopDelay({ resolution: 1 });
    await server.mark();
    const pidsBefore = await postgresPids();
    const cpuBefore = cpuSnapshot(pidsBefore);
    loop.enable();
    const result = await stream(settings.durationS);
    await tracker.drain(settings.drainTimeoutS * 1000);
    loop.disable();
    const serverStats = await server.stats();
    const probe = await server.probe();
    const cpu = cpuSince(cpuBefore, cpuSnapshot(new Set([...pidsBefore, ...(await postgresPids())])));
    const loaded = await server.memory();
    const summary = tracker.summary();
    log(
      `${label}: ${result.ok} deliveries in ${fixed(result.elapsedS, 1)} s, ${tracker.received}/${tracker.expectedEvents} client events (missed ${tracker.missed}), p50 ${ms(summary.fromSend.p50)}, p99 ${ms(summary.fromSend.p99)}`,
    );
    return {
      label,
      sockets: fleet.size,
      connectS,
      memory: { before, connected, loaded },
      warmup,
      stream: result,
      tracker,
      summary,
      server: serverStats,
      cpu,
      clientCpu: cpu.servers, // cpuSince's "servers" is this process: the clients and the sender
      clientLoopP99: loop.percentile(99) / 1e6,
      clientLoopMax: loop.max / 1e6,
      connectedAtEnd: fleet.connected(),
      disconnects: { ...fleet.disconnects },
      probe,
    };
  } finally {
    fleet.close();
  }
}

const per1000 = (run: Run, field: 'rss' | 'heapUsed') =>
  ((run.memory.connected[field] - run.memory.before[field]) / run.sockets) * 1000;
const eventsPerSecond = (run: Run) => run.tracker.received / run.stream.elapsedS;
const cpuPercent = (run: Run) => (run.server.cpuMs / run.server.wallMs) * 100;
/** Percent of one core used by everything else on the machine (other programs, the kernel, …). */
const otherCpu = (run: Run) =>
  Math.max(0, run.cpu.machine - run.cpu.stolen - cpuPercent(run) - run.cpu.postgres - run.clientCpu);
const latencyCells = (d: Distribution) => [ms(d.p50), ms(d.p95), ms(d.p99), ms(d.max)];

/** BENCH_PROBE=1: the platform's latency split and its time by component. */
function logProbe(run: Run): void {
  const probe = run.probe;
  if (!probe) return;
  const deliveries = run.stream.ok;
  const split = run.tracker.decompose(new Map(probe.emittedAt));
  const row = (name: string, values: number[] | Distribution, note = '') => {
    const d = Array.isArray(values) ? distribution(values) : values;
    return [name, fixed(d.count), ms(d.mean), ms(d.p50), ms(d.p99), ms(d.max), note];
  };
  log();
  log('probe (BENCH_PROBE=1): where the platform spends the time');
  log(
    table(
      ['what', 'count', 'mean', 'p50', 'p99', 'max', 'note'],
      [
        row('webhook due → emit (server)', split.toEmit, 'receive, store and merge, 202'),
        row('emit → client (fan-out)', split.toClient, 'Socket.IO, loopback, client parse'),
        row('merge transaction', probe.merges, 'store + merge of a batch'),
        row('emit (synchronous)', probe.emits, 'broadcast + metrics touch'),
        ...Object.entries(probe.acquire).map(([pool, values]) =>
          row(`pool wait: ${pool}`, values, 'pg.Pool#connect'),
        ),
      ],
    ),
  );
  const statements = Object.entries(probe.statements)
    .map(([key, values]) => ({ key, d: distribution(values), total: values.reduce((a, b) => a + b, 0) }))
    .sort((a, b) => b.total - a.total)
    .slice(0, 20);
  log();
  log(
    table(
      ['statement (pool verb table)', 'count', 'per delivery', 'mean', 'p99', 'total'],
      statements.map(({ key, d, total }) => [
        key,
        fixed(d.count),
        fixed(d.count / deliveries, 2),
        ms(d.mean),
        ms(d.p99),
        `${fixed(total)} ms`,
      ]),
    ),
  );
}

async function main(): Promise<number> {
  const cleanups: (() => Promise<void>)[] = [];
  const cleanup = async () => {
    for (const step of cleanups.splice(0).reverse()) {
      await step().catch((err: Error) => log(`cleanup: ${err.message}`));
    }
  };
  const interrupted = () => {
    log('\ninterrupted: cleaning up');
    void cleanup().then(() => process.exit(130));
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);

  try {
    const cpu = cpus();
    const sockets = settings.orgs * settings.clientsPerOrg;
    log(`bench:realtime: ${cpu.length} × ${cpu[0]?.model.trim() ?? 'unknown CPU'}, Node ${process.version}`);
    log(
      `load: ${sockets} sockets (${settings.orgs} organizations × ${settings.clientsPerOrg}), ${fixed(settings.rate)} webhooks/s for ${fixed(settings.durationS)} s after ${fixed(settings.warmupS)} s warm-up, a call's deliveries ${fixed(settings.gapMs)} ms apart, ${settings.connections} keep-alive connections, ${settings.templates} call templates (seed ${settings.seed})`,
    );
    const templates = prepareTemplates(settings.templates, settings.seed);
    const runs: Run[] = [];
    const env = { ...process.env };

    // 1. Baseline: a bare Socket.IO server, no database.
    {
      const server = await startServerProcess('baseline', env);
      cleanups.push(() => server.close());
      log(`baseline server: ${server.url} (pid ${server.pid})`);
      const orgIds = Array.from({ length: settings.orgs }, (_, o) => `baseline-org-${o}`);
      const specs: ClientSpec[] = orgIds.flatMap((orgId, orgIndex) =>
        Array.from({ length: settings.clientsPerOrg }, (_, slot) => ({
          orgId,
          orgIndex,
          slot,
          credentials: { baselineOrg: orgId },
        })),
      );
      const targets: StreamTarget[] = orgIds.map((orgId, orgIndex) => ({
        orgId,
        orgIndex,
        agentId: `baseline-agent-${orgIndex}`,
        path: `${BASELINE_REALTIME_PATH}?org=${encodeURIComponent(orgId)}`,
      }));
      runs.push(await measure('baseline', server, specs, targets, templates, async () => []));
      await server.close();
      cleanups.pop();
      log();
    }

    // 2. The platform on a fresh PostgreSQL database.
    const db: BenchDatabase = await createBenchDatabase(settings.baseUrl, 'automitra_bench_rt');
    cleanups.push(() => db.drop());
    log(`database: ${db.name} (created and migrated; dropped at the end)`);
    const stats = new pg.Pool({
      connectionString: db.url,
      max: 1,
      application_name: 'automitra-bench-stats',
    });
    stats.on('error', () => {});
    cleanups.push(() => stats.end());
    const postgresPids = async () =>
      (
        await stats.query<{ pid: number }>(
          "SELECT pid FROM pg_stat_activity WHERE datname = current_database() OR backend_type <> 'client backend'",
        )
      ).rows.map((r) => r.pid);

    const server = await startServerProcess('platform', { ...env, BENCH_SERVER_DATABASE_URL: db.url });
    cleanups.push(() => server.close());
    log(`platform server: ${server.url} (pid ${server.pid})`);
    const setupStart = performance.now();
    const orgs = await createRealtimeOrganizations(server.url, settings.orgs, API_KEYS_PER_ORG);
    log(
      `platform: ${orgs.length} owners signed up, each with an organization, an agent (synced to the simulator) and ${API_KEYS_PER_ORG} viewer API keys, in ${fixed((performance.now() - setupStart) / 1000, 1)} s`,
    );
    const specs: ClientSpec[] = orgs.flatMap((org) =>
      Array.from({ length: settings.clientsPerOrg }, (_, slot) => ({
        orgId: org.id,
        orgIndex: org.index,
        slot,
        credentials:
          slot % 2 === 0
            ? { cookie: org.cookie }
            : { apiKey: org.apiKeys[(slot >> 1) % org.apiKeys.length]! },
      })),
    );
    const targets: StreamTarget[] = orgs.map((org) => ({
      orgId: org.id,
      orgIndex: org.index,
      agentId: org.providerAgentId,
      path: org.webhookPath,
    }));
    const platform = await measure('platform', server, specs, targets, templates, postgresPids);
    runs.push(platform);

    // Proof of work: every acknowledged delivery stored and merged, one call per execution.
    const sent = platform.stream.ok + (platform.warmup?.stream.ok ?? 0);
    const calls = platform.stream.calls + (platform.warmup?.stream.calls ?? 0);
    const until = performance.now() + settings.drainTimeoutS * 1000;
    let verdicts: Record<string, number> = {};
    for (;;) {
      verdicts = Object.fromEntries(
        (
          await stats.query<{ verdict: string; n: string }>(
            "SELECT coalesce(verdict, 'pending') AS verdict, count(*) AS n FROM webhook_events WHERE source = 'webhook' GROUP BY 1 ORDER BY 1",
          )
        ).rows.map((r) => [r.verdict, Number(r.n)]),
      );
      if (!verdicts.pending || performance.now() > until) break;
      await sleep(100);
    }
    const stored = Object.values(verdicts).reduce((a, b) => a + b, 0);
    const callCount = Number(
      (await stats.query<{ n: string }>('SELECT count(*) AS n FROM calls')).rows[0]!.n,
    );
    await server.close();
    cleanups.pop();

    // Report.
    const [baseline] = runs as [Run, Run];
    log();
    log(
      table(
        [
          'server',
          'client events',
          'missed',
          'events/s',
          'p50',
          'p95',
          'p99',
          'max',
          'webhook 202 p50 / p99',
          '202 → event p50 / p99',
          'fan-out spread p99',
          'payload',
        ],
        runs.map((r) => [
          r.label,
          `${r.tracker.received} / ${r.tracker.expectedEvents}`,
          String(r.tracker.missed),
          fixed(eventsPerSecond(r)),
          ...latencyCells(r.summary.fromSend),
          `${ms(r.stream.answer.p50)} / ${ms(r.stream.answer.p99)}`,
          `${ms(r.summary.fromAck.p50)} / ${ms(r.summary.fromAck.p99)}`,
          ms(r.summary.spread.p99),
          `${fixed(r.summary.meanPayloadBytes)} B`,
        ]),
      ),
    );
    log();
    log(
      table(
        [
          'server',
          'RSS per 1,000 sockets',
          'heap per 1,000 sockets',
          'RSS: idle → sockets → after load',
          'heap: idle → sockets → after load',
          'CPU % (of one core): server / PostgreSQL / clients + sender / other / stolen',
          'server event-loop delay p99 / max',
          'client event-loop delay p99 / max',
        ],
        runs.map((r) => [
          r.label,
          mib(per1000(r, 'rss')),
          mib(per1000(r, 'heapUsed')),
          `${mib(r.memory.before.rss)} → ${mib(r.memory.connected.rss)} → ${mib(r.memory.loaded.rss)}`,
          `${mib(r.memory.before.heapUsed)} → ${mib(r.memory.connected.heapUsed)} → ${mib(r.memory.loaded.heapUsed)}`,
          `${fixed(cpuPercent(r))} / ${fixed(r.cpu.postgres)} / ${fixed(r.clientCpu)} / ${fixed(otherCpu(r))} / ${fixed(r.cpu.stolen)}`,
          `${ms(r.server.loopDelay.p99)} / ${ms(r.server.loopDelay.max)}`,
          `${ms(r.clientLoopP99)} / ${ms(r.clientLoopMax)}`,
        ]),
      ),
    );
    logProbe(platform);
    noiseWarnings(
      runs.map((r) => ({ other: otherCpu(r), stolen: r.cpu.stolen })),
      'a measurement',
    ).forEach((line) => log(line));
    log();
    log(
      `platform: ${platform.tracker.metrics} metrics:updated events received (${fixed(platform.tracker.metrics / platform.stream.elapsedS)}/s, ${fixed(platform.summary.meanMetricsBytes)} B each), ${platform.tracker.repeats} repeated and ${platform.tracker.unknown} unmatched call events; sender at most ${ms(Math.max(...runs.map((r) => r.stream.behindMs)))} behind schedule`,
    );
    log(
      `platform database: ${stored} webhook deliveries stored (${sent} acknowledged): ${Object.entries(
        verdicts,
      )
        .map(([v, n]) => `${v} ${n}`)
        .join(', ')}; ${callCount} calls (${calls} executions sent)`,
    );
    const p99 = platform.summary.fromSend.p99;
    log();
    log(
      `verdict: platform p99 ${ms(p99)} (target < ${TARGET_P99_MS} ms): ${passFail(p99 < TARGET_P99_MS)}; baseline p99 ${ms(baseline.summary.fromSend.p99)} (platform ${fixed(p99 / baseline.summary.fromSend.p99, 1)} × baseline), p50 ${ms(platform.summary.fromSend.p50)} vs ${ms(baseline.summary.fromSend.p50)}`,
    );

    const problems: string[] = [];
    for (const r of runs) {
      if (r.tracker.missed > 0) problems.push(`${r.label}: ${r.tracker.missed} client events missed`);
      if (r.warmup && r.warmup.missed > 0)
        problems.push(`${r.label}: ${r.warmup.missed} client events missed in the warm-up`);
      if (r.tracker.leaks > 0)
        problems.push(`${r.label}: ${r.tracker.leaks} events reached another organization's client`);
      if (r.tracker.wrongEvent > 0)
        problems.push(`${r.label}: ${r.tracker.wrongEvent} events of the wrong kind (created/updated)`);
      for (const s of [r.stream, ...(r.warmup ? [r.warmup.stream] : [])]) {
        if (s.non2xx > 0 || s.errors > 0)
          problems.push(
            `${r.label}: ${s.non2xx} non-2xx answers (${JSON.stringify(s.statusCodes)}), ${s.errors} errors`,
          );
      }
      if (r.disconnects.count > 0 || r.connectedAtEnd !== r.sockets)
        problems.push(
          `${r.label}: ${r.disconnects.count} disconnections (${JSON.stringify(r.disconnects.reasons)}), ${r.connectedAtEnd}/${r.sockets} connected at the end`,
        );
    }
    if (stored !== sent) problems.push(`platform: ${sent} deliveries acknowledged but ${stored} stored`);
    if (verdicts.pending || verdicts.failed || verdicts.rejected || verdicts.orphan)
      problems.push(`platform: merges not all done: ${JSON.stringify(verdicts)}`);
    if (callCount !== calls) problems.push(`platform: ${calls} executions sent but ${callCount} calls`);
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

main().then(
  (code) => process.exit(code),
  (err: Error) => {
    console.error(err);
    process.exit(1);
  },
);
