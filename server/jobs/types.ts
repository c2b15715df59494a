/**
 * The contracts of the job runtime: the typed job map, a job's definition (retry options beside
 * its handler) and the runtime's API. pg-boss does the work; these types keep names and payloads
 * honest at compile time.
 */
import type { BaseLogger } from 'pino';
import type { Db } from '../db/index.js';

/**
 * The platform's jobs: queue name → payload. Add one entry per job, next to the file that defines
 * it, e.g. `'calls.poll': { organizationId: string; callId: string }`.
 *
 * Payloads are stored as jsonb and read back by another process, possibly after a restart or a
 * deploy: keep them small, JSON-only (a `Date` comes back as a string) and backwards compatible.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- entries arrive with the first jobs
export interface JobMap {}

/** Any job map: every name maps to a JSON object payload. */
export type JobMapOf<M> = { [K in keyof M]: object };

/** The job names of map `M`. */
export type JobName<M> = Extract<keyof M, string>;

/**
 * pg-boss queue policies:
 * - `standard`: no deduplication (a `singletonKey` only dedups together with `singletonSeconds`);
 * - `short`: at most one queued (not yet started) job per singleton key;
 * - `singleton`: at most one active (running) job per singleton key;
 * - `stately`: at most one queued and one active job per singleton key.
 */
export type JobPolicy = 'standard' | 'short' | 'singleton' | 'stately';

/** How a job is retried and bounded; stored on the pg-boss queue, so every sender agrees. */
export interface JobOptions {
  /** Retries after the first attempt fails (0: never retried). */
  retryLimit: number;
  /** Seconds before a retry (with backoff: the base of the exponential delay). */
  retryDelay: number;
  /** Exponential backoff (with jitter) between retries. */
  retryBackoff: boolean;
  /** A running attempt that takes longer fails (and is retried); pg-boss caps it below 24 h. */
  expireInSeconds: number;
  /** Deduplication by singleton key; default `standard`. */
  policy?: JobPolicy;
  /**
   * How long past its start time a job may wait unstarted before maintenance archives it unrun;
   * default 14 days.
   */
  retentionMinutes?: number;
  /** Jobs processed at once by this process (one pg-boss worker each); default 1. */
  concurrency?: number;
  /** How often an idle worker of this job polls; default: the runtime's `pollingIntervalSeconds`. */
  pollingIntervalSeconds?: number;
}

/**
 * Options of a periodic chore (scheduled every minute): one run at a time across every node, not
 * retried (the next minute's run does the work), expired after five minutes.
 */
export const PERIODIC_JOB_OPTIONS: JobOptions = {
  retryLimit: 0,
  retryDelay: 60,
  retryBackoff: false,
  expireInSeconds: 300,
  policy: 'singleton',
};

/** What a handler receives besides its payload. */
export interface JobContext<N extends string = string> {
  readonly name: N;
  /** The pg-boss job id (a uuid), stable across retries. */
  readonly id: string;
  /** 0 on the first attempt, then 1, 2… */
  readonly retryCount: number;
  readonly retryLimit: number;
  /** Bound to the job's name and id. */
  readonly logger: JobLogger;
}

/**
 * One job: its name, its retry options and its handler, in one file. A handler that throws (or
 * outlives `expireInSeconds`) fails the attempt and pg-boss retries it per `options`; jobs run at
 * least once, so a handler must be idempotent.
 */
export interface JobDefinition<M extends JobMapOf<M>, N extends JobName<M>> {
  readonly name: N;
  readonly options: JobOptions;
  /**
   * Derives the deduplication key from the payload (e.g. the call id) when `send` is given none.
   * Only dedups with a `policy` other than `standard`, or with `singletonSeconds` at send.
   */
  readonly singletonKey?: (payload: M[N]) => string;
  handler(payload: M[N], context: JobContext<N>): Promise<void>;
}

export interface SendOptions {
  /** Not before this time, or this many seconds from now. */
  startAfter?: Date | number;
  /** Overrides the definition's `singletonKey(payload)`. */
  singletonKey?: string;
  /** Throttle: at most one job per key in each window of this many seconds. */
  singletonSeconds?: number;
  /** Higher runs first; default 0. */
  priority?: number;
  /**
   * Enqueue inside this Drizzle transaction: the job exists only if the transaction commits. On
   * PGlite this is also the only way to send from inside a transaction (its single connection is
   * held by the transaction, so a plain send would wait for it forever).
   */
  tx?: Db;
}

/** One job of `sendMany`. */
export interface BatchJob<P> {
  payload: P;
  /** Not before this time, or this many seconds from now. */
  startAfter?: Date | number;
  /** Overrides the definition's `singletonKey(payload)`. */
  singletonKey?: string;
}

export interface ScheduleOptions {
  /** IANA time zone the cron expression is read in; default UTC. */
  tz?: string;
  /** Deduplication key for the jobs the schedule creates. */
  singletonKey?: string;
}

export interface StopOptions {
  /** Wait for running jobs (up to `timeoutMs`) before stopping; default true. */
  graceful?: boolean;
  /** Default 30 000. Jobs still running then are failed, to be retried by the next process. */
  timeoutMs?: number;
}

/** The durable job runtime of one process: pg-boss on the platform's database. */
export interface JobRuntime<M extends JobMapOf<M> = JobMap> {
  /**
   * Creates (or updates) the job's queue with its options and, unless the runtime was started with
   * `work: false`, starts working it. A job must be defined before it is sent or scheduled.
   */
  define<N extends JobName<M>>(definition: JobDefinition<M, N>): Promise<void>;
  /** Enqueues a job; resolves to its id, or null when a singleton key deduplicated it. */
  send<N extends JobName<M>>(name: N, payload: M[N], options?: SendOptions): Promise<string | null>;
  /**
   * Enqueues several jobs of one name in one statement, with the same deduplication as `send`
   * (a job whose singleton key is taken is silently not created).
   */
  sendMany<N extends JobName<M>>(
    name: N,
    jobs: readonly BatchJob<M[N]>[],
    options?: Pick<SendOptions, 'tx'>,
  ): Promise<void>;
  /** Sends `payload` to `name` on a cron schedule (minute resolution), one schedule per name. */
  schedule<N extends JobName<M>>(
    name: N,
    cron: string,
    payload: M[N],
    options?: ScheduleOptions,
  ): Promise<void>;
  unschedule(name: JobName<M>): Promise<void>;
  /** Stops polling and timers; idempotent. Jobs not yet run stay in the database for the next start. */
  stop(options?: StopOptions): Promise<void>;
}

/** The logging the runtime needs; a pino logger or Fastify's `app.log` fits. */
export type JobLogger = Pick<BaseLogger, 'debug' | 'info' | 'warn' | 'error'> & {
  child(bindings: Record<string, unknown>): JobLogger;
};
