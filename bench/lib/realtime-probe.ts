/**
 * Where the platform's time goes, for `BENCH_PROBE=1 npm run bench:realtime` (bench only; the
 * platform's code is not changed, only observed from inside the server process):
 *
 * - every PostgreSQL pool checkout (`pg.Pool#connect`): how long a query waited for a connection, by
 *   pool (`automitra` = the app, `automitra-jobs` = pg-boss);
 * - every statement (`pg.Client#query`): how long it took from being issued to its result (queueing on
 *   the connection included), by pool, verb and table;
 * - every merge (`ctx.metrics.mergeDuration`'s timer: one ingest or merge transaction);
 * - every realtime emit (`ctx.realtime.callCreated/callUpdated`): the synchronous cost of the
 *   Socket.IO broadcast, and the wall-clock moment of each emit by `providerCallId|status`, so the
 *   parent can split its latency into "webhook due → emit" (server) and "emit → client".
 */
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import type { Call } from '../../common/schemas/calls.js';
import type { App } from '../../server/http.js';

/** Durations (ms) kept in full; summarised by the parent. */
export interface ProbeReport {
  /** Pool checkout waits by application name. */
  acquire: Record<string, number[]>;
  /** Statement durations by `pool verb table`. */
  statements: Record<string, number[]>;
  merges: number[];
  /** Synchronous time spent in `callCreated`/`callUpdated` (Socket.IO broadcast + metrics touch). */
  emits: number[];
  /** `providerCallId|status` → wall-clock time of the emit (ms since the epoch, sub-ms precision). */
  emittedAt: [string, number][];
}

const wallClock = () => performance.timeOrigin + performance.now();

function statementKey(pool: string, text: string): string {
  let sql = text.replace(/\s+/g, ' ').trim().toLowerCase();
  // Subqueries out, so that `select …, exists (select … from b) … from a` is counted under `a`.
  for (let inner = sql.replace(/\([^()]*\)/g, '()'); inner !== sql; inner = sql.replace(/\([^()]*\)/g, '()'))
    sql = inner;
  const verb = sql.split(' ', 1)[0] ?? '?';
  const table =
    (verb === 'insert'
      ? /insert into ([\w".]+)/.exec(sql)
      : verb === 'update'
        ? /update ([\w".]+)/.exec(sql)
        : / from ([\w".]+)/.exec(sql))?.[1]?.replaceAll('"', '') ?? '';
  return `${pool} ${verb} ${table}${/ for update/.test(sql) ? ' for update' : ''}`.trim();
}

type Callback = (...args: unknown[]) => void;

export interface Probe {
  /** Wraps the app's context once it is built. */
  attach(app: App): void;
  /** Everything recorded since the last reset. */
  report(): ProbeReport;
  reset(): void;
}

/** Installs the pool and statement hooks (before any pool is created) and returns the probe. */
export function installProbe(): Probe {
  let data: ProbeReport = { acquire: {}, statements: {}, merges: [], emits: [], emittedAt: [] };
  const push = (bucket: Record<string, number[]>, key: string, value: number) =>
    (bucket[key] ??= []).push(value);
  const poolName = (pool: pg.Pool) =>
    (pool.options as { application_name?: string }).application_name ?? 'pool';

  const connect = pg.Pool.prototype.connect as unknown as (this: pg.Pool, ...args: unknown[]) => unknown;
  (pg.Pool.prototype as unknown as { connect: typeof connect }).connect = function (this: pg.Pool, ...args) {
    const started = performance.now();
    const name = poolName(this);
    const callback = args[0];
    if (typeof callback === 'function') {
      return connect.call(this, (...results: unknown[]) => {
        push(data.acquire, name, performance.now() - started);
        (callback as Callback)(...results);
      });
    }
    return (connect.call(this) as Promise<pg.PoolClient>).then((client) => {
      push(data.acquire, name, performance.now() - started);
      return client;
    });
  };

  const query = pg.Client.prototype.query as unknown as (this: pg.Client, ...args: unknown[]) => unknown;
  (pg.Client.prototype as unknown as { query: typeof query }).query = function (this: pg.Client, ...args) {
    const first = args[0];
    const text = typeof first === 'string' ? first : ((first as { text?: string } | undefined)?.text ?? '');
    const key = statementKey(
      (this as unknown as { connectionParameters?: { application_name?: string } }).connectionParameters
        ?.application_name ?? 'client',
      text,
    );
    const started = performance.now();
    const record = () => push(data.statements, key, performance.now() - started);
    const last = args[args.length - 1];
    if (typeof last === 'function') {
      args[args.length - 1] = (...results: unknown[]) => {
        record();
        (last as Callback)(...results);
      };
      return query.apply(this, args);
    }
    const result = query.apply(this, args);
    if (result && typeof (result as Promise<unknown>).then === 'function') {
      (result as Promise<unknown>).then(record, record);
    }
    return result;
  };

  return {
    attach(app) {
      const ctx = app.automitra;
      const histogram = ctx.metrics.mergeDuration;
      const startTimer = histogram.startTimer.bind(histogram);
      histogram.startTimer = (labels?: Parameters<typeof histogram.startTimer>[0]) => {
        const started = performance.now();
        const stop = startTimer(labels);
        return (...args: Parameters<typeof stop>) => {
          data.merges.push(performance.now() - started);
          return stop(...args);
        };
      };
      const publisher = ctx.realtime;
      const wrap = <A extends unknown[]>(emit: (call: Call, ...rest: A) => void) =>
        function (call: Call, ...rest: A) {
          const at = wallClock();
          const started = performance.now();
          emit.call(publisher, call, ...rest);
          data.emits.push(performance.now() - started);
          if (call.providerCallId) data.emittedAt.push([`${call.providerCallId}|${call.status}`, at]);
        };
      publisher.callCreated = wrap(publisher.callCreated);
      publisher.callUpdated = wrap(publisher.callUpdated);
    },
    report: () => data,
    reset() {
      data = { acquire: {}, statements: {}, merges: [], emits: [], emittedAt: [] };
    },
  };
}
