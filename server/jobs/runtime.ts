/**
 * The durable job runtime: a thin typed layer over pg-boss 10 on the platform's database (PostgreSQL
 * or PGlite). Jobs are rows in pg-boss's own schema, so they survive restarts; workers fetch with
 * `FOR UPDATE SKIP LOCKED`, so a job runs in one process at a time however many are started; a
 * handler that throws is retried per its definition's options. pg-boss creates and migrates its
 * schema at start under an advisory lock, so several processes may start at once.
 */
import PgBoss from 'pg-boss';
import type { Database } from '../db/index.js';
import { openBossDb, transactionBossDb, type BossDb } from './boss-db.js';
import type {
  BatchJob,
  JobContext,
  JobDefinition,
  JobLogger,
  JobMap,
  JobMapOf,
  JobName,
  JobRuntime,
  ScheduleOptions,
  SendOptions,
  StopOptions,
} from './types.js';

export interface JobRuntimeOptions {
  database: Database;
  /** Default: silent. */
  logger?: JobLogger;
  /** The PostgreSQL schema pg-boss owns; default `pgboss`. */
  schema?: string;
  /** How often an idle worker polls; default 2 s, pg-boss's minimum is 0.5 s. */
  pollingIntervalSeconds?: number;
  /** false: this process sends and schedules but works no job (an api-only node); default true. */
  work?: boolean;
  /** PostgreSQL only: connections in the runtime's own pool; default 4. */
  poolMax?: number;
  /** How often schedules are checked (cron has minute resolution); default 30 s, 1 to 45. */
  cronIntervalSeconds?: number;
}

/** Starts pg-boss (installing or migrating its schema) and returns the runtime; `stop()` it. */
export async function startJobRuntime<M extends JobMapOf<M> = JobMap>(
  options: JobRuntimeOptions,
): Promise<JobRuntime<M>> {
  const logger = options.logger ?? silentLogger;
  const schema = options.schema ?? 'pgboss';
  const db = openBossDb(options.database, { schema, poolMax: options.poolMax ?? 4, logger });
  const boss = new PgBoss({
    db,
    schema,
    ...(options.pollingIntervalSeconds !== undefined && {
      pollingIntervalSeconds: options.pollingIntervalSeconds,
    }),
    ...(options.cronIntervalSeconds !== undefined && {
      cronMonitorIntervalSeconds: options.cronIntervalSeconds,
      cronWorkerIntervalSeconds: options.cronIntervalSeconds,
    }),
  });
  boss.on('error', (err) => logger.error({ err }, 'job runtime error (pg-boss keeps running)'));
  try {
    await boss.start();
  } catch (err) {
    await db.close();
    throw new Error(
      `The job runtime could not start (pg-boss schema "${schema}"): ${(err as Error).message}. Check that the database is reachable and that its user may create schemas.`,
      { cause: err },
    );
  }
  logger.info({ schema, database: options.database.kind }, 'job runtime started');
  return new PgBossRuntime<M>(boss, db, logger, options.work ?? true);
}

class PgBossRuntime<M extends JobMapOf<M>> implements JobRuntime<M> {
  readonly #definitions = new Map<string, JobDefinition<M, JobName<M>>>();
  readonly #workerIds = new Map<string, string[]>();
  readonly #running = new Set<Promise<void>>();
  #stopping: { graceful: boolean; done: Promise<void> } | undefined;
  #stopped = false;

  constructor(
    private readonly boss: PgBoss,
    private readonly db: BossDb,
    private readonly logger: JobLogger,
    private readonly work: boolean,
  ) {}

  async define<N extends JobName<M>>(definition: JobDefinition<M, N>): Promise<void> {
    const { name, options } = definition;
    if (this.#stopping) throw new Error(`Cannot define job "${name}": the job runtime is stopped.`);
    if (this.#definitions.has(name)) throw new Error(`Job "${name}" is defined twice; define it once.`);
    const policy = options.policy ?? 'standard';
    if (definition.singletonKey && policy === 'standard') {
      throw new Error(
        `Job "${name}" has a singletonKey but the standard policy, which ignores it: choose policy 'short', 'singleton' or 'stately'.`,
      );
    }
    const queue = {
      name,
      policy,
      retryLimit: options.retryLimit,
      retryDelay: options.retryDelay,
      retryBackoff: options.retryBackoff,
      expireInSeconds: options.expireInSeconds,
      ...(options.retentionMinutes !== undefined && { retentionMinutes: options.retentionMinutes }),
    };
    // createQueue leaves an existing queue as it is; updateQueue makes the current options win.
    if (!(await this.boss.getQueue(name))) await retryOnDeadlock(() => this.boss.createQueue(name, queue));
    await this.boss.updateQueue(name, queue);
    this.#definitions.set(name, definition as unknown as JobDefinition<M, JobName<M>>);
    if (!this.work) return;

    const ids: string[] = [];
    const workOptions = {
      batchSize: 1,
      includeMetadata: true as const,
      ...(options.pollingIntervalSeconds !== undefined && {
        pollingIntervalSeconds: options.pollingIntervalSeconds,
      }),
    };
    for (let i = 0; i < Math.max(1, options.concurrency ?? 1); i++) {
      let workerId: string | undefined = undefined;
      workerId = await this.boss.work<M[N]>(name, workOptions, async ([job]) => {
        if (job) await this.#track(this.#handle(definition, job, workerId));
      });
      ids.push(workerId);
    }
    this.#workerIds.set(name, ids);
  }

  async send<N extends JobName<M>>(
    name: N,
    payload: M[N],
    options: SendOptions = {},
  ): Promise<string | null> {
    // While stopping gracefully, running handlers may still send (a job re-enqueuing itself).
    if (this.#stopped) throw new Error(`Cannot send job "${name}": the job runtime is stopped.`);
    const definition = this.#definition(name);
    const singletonKey = options.singletonKey ?? definition.singletonKey?.(payload);
    if (
      options.singletonKey !== undefined &&
      (definition.options.policy ?? 'standard') === 'standard' &&
      !options.singletonSeconds
    ) {
      throw new Error(
        `Job "${name}": a singletonKey deduplicates only with singletonSeconds or a queue policy other than standard.`,
      );
    }
    const id = await this.boss.send(name, payload, {
      ...(options.startAfter !== undefined && { startAfter: options.startAfter }),
      ...(singletonKey !== undefined && { singletonKey }),
      ...(options.singletonSeconds !== undefined && { singletonSeconds: options.singletonSeconds }),
      ...(options.priority !== undefined && { priority: options.priority }),
      ...(options.tx && { db: transactionBossDb(options.tx) }),
    });
    // A job due now is picked up at once by this process's idle workers instead of at their next
    // poll (after a commit only: a job sent in a transaction waits for the poll).
    if (id && options.startAfter === undefined && !options.tx) {
      for (const workerId of this.#workerIds.get(name) ?? []) this.boss.notifyWorker(workerId);
    }
    return id;
  }

  async sendMany<N extends JobName<M>>(
    name: N,
    jobs: readonly BatchJob<M[N]>[],
    options: Pick<SendOptions, 'tx'> = {},
  ): Promise<void> {
    if (this.#stopped) throw new Error(`Cannot send jobs "${name}": the job runtime is stopped.`);
    const definition = this.#definition(name);
    if (jobs.length === 0) return;
    const inserts = jobs.map((job) => {
      const singletonKey = job.singletonKey ?? definition.singletonKey?.(job.payload);
      return {
        name,
        data: job.payload,
        // pg-boss reads a number of seconds as an interval from now, a date as that instant.
        ...(job.startAfter !== undefined && {
          startAfter: job.startAfter instanceof Date ? job.startAfter : String(job.startAfter),
        }),
        ...(singletonKey !== undefined && { singletonKey }),
      };
    });
    const db = options.tx && transactionBossDb(options.tx);
    await this.boss.insert(inserts, db ? { db } : {});
    if (!db && jobs.some((job) => job.startAfter === undefined)) {
      for (const workerId of this.#workerIds.get(name) ?? []) this.boss.notifyWorker(workerId);
    }
  }

  async schedule<N extends JobName<M>>(
    name: N,
    cron: string,
    payload: M[N],
    options: ScheduleOptions = {},
  ): Promise<void> {
    this.#definition(name);
    await this.boss.schedule(name, cron, payload, {
      tz: options.tz ?? 'UTC',
      ...(options.singletonKey !== undefined && { singletonKey: options.singletonKey }),
    });
  }

  async unschedule(name: JobName<M>): Promise<void> {
    await this.boss.unschedule(name);
  }

  stop(options: StopOptions = {}): Promise<void> {
    if (!this.#stopping) {
      const graceful = options.graceful ?? true;
      const timeoutMs = options.timeoutMs ?? 30_000;
      this.#stopping = { graceful, done: this.#shutdown(graceful, timeoutMs) };
    }
    return this.#stopping.done;
  }

  async #shutdown(graceful: boolean, timeoutMs: number): Promise<void> {
    try {
      // Stops polling, cron and maintenance; waits (graceful) for running jobs, then fails those
      // still running so that another process retries them.
      await this.boss.stop({ graceful, timeout: timeoutMs, wait: true });
    } catch (err) {
      this.logger.error({ err }, 'job runtime: pg-boss did not stop cleanly');
    }
    // A worker may have taken a job while stopping, and pg-boss completes jobs without awaiting:
    // let those calls finish before the connection goes away.
    await settle(() => [...this.db.pending(), ...(graceful ? this.#running : [])], timeoutMs);
    this.#stopped = true;
    await this.db.close();
    this.logger.info('job runtime stopped');
  }

  async #handle<N extends JobName<M>>(
    definition: JobDefinition<M, N>,
    job: PgBoss.JobWithMetadata<M[N]>,
    workerId: string | undefined,
  ): Promise<void> {
    const { name } = definition;
    const log = this.logger.child({ job: name, jobId: job.id });
    const context: JobContext<N> = {
      name,
      id: job.id,
      retryCount: job.retryCount,
      retryLimit: job.retryLimit,
      logger: log,
    };
    const attempt = { attempt: job.retryCount + 1, retryLimit: job.retryLimit };
    if (this.#stopping && !this.#stopping.graceful) {
      throw new Error('The job runtime is stopping; this attempt is failed and will be retried.');
    }
    const expireInSeconds = Number(job.expireInSeconds);
    const overdue = setTimeout(() => {
      log.error(
        { ...attempt, expireInSeconds },
        'job exceeded expireInSeconds: pg-boss failed this attempt and retries it per its options',
      );
    }, expireInSeconds * 1000);
    overdue.unref();
    const started = Date.now();
    try {
      await definition.handler(job.data, context);
      log.debug({ ...attempt, ms: Date.now() - started }, 'job done');
    } catch (err) {
      const retried = job.retryCount < job.retryLimit;
      log[retried ? 'warn' : 'error'](
        { err, ...attempt, ms: Date.now() - started },
        retried ? 'job failed; it will be retried' : 'job failed and has no retry left',
      );
      throw err;
    } finally {
      clearTimeout(overdue);
      // Fetch again at once instead of sleeping a polling interval: the queue is drained
      // back-to-back while jobs are waiting, and polled only when it is empty.
      if (workerId && !this.#stopping) this.boss.notifyWorker(workerId);
    }
  }

  #definition(name: string): JobDefinition<M, JobName<M>> {
    const definition = this.#definitions.get(name);
    if (!definition) {
      throw new Error(`Job "${name}" is not defined in this process: call runtime.define() at start.`);
    }
    return definition;
  }

  async #track(work: Promise<void>): Promise<void> {
    this.#running.add(work);
    try {
      await work;
    } finally {
      this.#running.delete(work);
    }
  }
}

/**
 * pg-boss creates a queue's partition table in the same transaction as its row, so processes
 * defining the same new queue at once can deadlock (SQLSTATE 40P01). PostgreSQL rolls the victim
 * back; trying again finds the queue the other process created.
 */
async function retryOnDeadlock(create: () => Promise<void>): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await create();
    } catch (err) {
      if ((err as { code?: unknown }).code !== '40P01' || attempt >= 5) throw err;
      await new Promise((resolve) => setTimeout(resolve, 20 + Math.random() * 80 * attempt));
    }
  }
}

/** Waits until `pending()` is empty (it may grow while waiting), at most `timeoutMs`. */
async function settle(pending: () => Iterable<Promise<unknown>>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (let waiting = [...pending()]; waiting.length > 0; waiting = [...pending()]) {
    const left = deadline - Date.now();
    if (left <= 0) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled(waiting),
      new Promise((resolve) => (timer = setTimeout(resolve, left))),
    ]);
    clearTimeout(timer);
  }
}

const silentLogger: JobLogger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
  child: () => silentLogger,
};
