/**
 * The `db` pg-boss runs its SQL through: a small pool of its own on PostgreSQL, the shared
 * single connection on PGlite, or the caller's transaction for a transactional send. Calls are
 * tracked so that stopping the runtime can wait for the last ones before the connection closes.
 */
import { createRequire } from 'node:module';
import type { PGlite } from '@electric-sql/pglite';
import { sql, type SQL } from 'drizzle-orm';
import pg from 'pg';
import type PgBoss from 'pg-boss';
import { connectionConfig, type Database, type Db } from '../db/index.js';
import type { JobLogger } from './types.js';

type Rows = { rows: unknown[] };
type Execute = (text: string, values?: unknown[]) => Promise<Rows>;

/** pg-boss's `db` plus the lifecycle the runtime needs. */
export interface BossDb extends PgBoss.Db {
  executeSql(text: string, values?: unknown[]): Promise<Rows>;
  /** Calls still running (pg-boss completes a job without awaiting it). */
  pending(): Promise<unknown>[];
  /** Refuses new calls, waits for running ones, then releases the connections. */
  close(): Promise<void>;
}

interface BossDbOptions {
  /** pg-boss's schema. */
  schema: string;
  /** PostgreSQL only: connections in the pool. */
  poolMax: number;
  logger: JobLogger;
}

/** Opens the runtime's connection to the same database as `database`. */
export function openBossDb(database: Database, options: BossDbOptions): BossDb {
  const connection = database.connection;
  if (connection.kind === 'pglite') {
    return tracked(pgliteExecute(connection.client), async () => {}, options);
  }
  // A pool of its own rather than the app's: polling and pg-boss maintenance cannot starve request
  // handling of connections (nor the reverse), the sessions are labelled in pg_stat_activity, and
  // pool.query discards a connection whose statement failed, so a failed multi-statement
  // `BEGIN … COMMIT` from pg-boss never leaves an aborted transaction behind in a shared pool.
  const pool = new pg.Pool({
    ...connectionConfig(connection.url),
    max: options.poolMax,
    application_name: 'automitra-jobs',
  });
  // The error carries the pool's client (its connection settings and state): only its code and
  // message are logged.
  pool.on('error', (err: Error & { code?: string }) =>
    options.logger.error(
      { err: { code: err.code, message: err.message } },
      'job runtime: an idle database connection failed; the pool replaces it',
    ),
  );
  return tracked(
    (text, values) => pool.query(text, values),
    () => pool.end(),
    options,
  );
}

/**
 * PGlite runs one statement per `query()`; pg-boss sends its install, migrations and maintenance
 * as multi-statement text without values, so that text goes through `exec()`, inside a PGlite
 * transaction. The transaction holds PGlite's lock for the whole text, and if a statement fails it
 * rolls everything back: pg-boss wraps such text in its own `BEGIN … COMMIT`, which on the shared
 * single connection would otherwise stay open and aborted, failing every later query of the app.
 * (The nested BEGIN and the final COMMIT only raise warnings, which PGlite ignores.)
 */
function pgliteExecute(client: PGlite): Execute {
  return async (text, values) => {
    if (values && values.length > 0) return { rows: (await client.query(text, values)).rows };
    const results = await client.transaction((tx) => tx.exec(text));
    return { rows: results.at(-1)?.rows ?? [] };
  };
}

/**
 * A `db` for one `send` inside the caller's Drizzle transaction. pg-boss's `$n` placeholders
 * become Drizzle parameters (the insert statement holds no string literal or `$$` body).
 */
export function transactionBossDb(tx: Db): PgBoss.Db {
  return {
    async executeSql(text: string, values: unknown[] = []) {
      const chunks: SQL[] = text
        .split(/\$(\d+)/)
        .map((part, i) => (i % 2 === 0 ? sql.raw(part) : sql`${sql.param(values[Number(part) - 1])}`));
      const result = (await tx.execute(sql.join(chunks))) as unknown as Rows;
      return { rows: result.rows };
    },
  };
}

function tracked(execute: Execute, end: () => Promise<void>, options: BossDbOptions): BossDb {
  const inFlight = new Set<Promise<Rows>>();
  const unawaited = unawaitedStatements(options.schema);
  let closed = false;
  return {
    executeSql(text, values) {
      // Once closed, answer like pg-boss's own pool does after stop: nothing. A job taken in the
      // last instant then stays active until it expires, and is retried.
      if (closed) return Promise.resolve(undefined as unknown as Rows);
      let call = execute(text, values);
      if (unawaited.has(text)) {
        call = call.catch((err: unknown) => {
          options.logger.error(
            { err },
            'job runtime: recording a job outcome failed; the job stays active until it expires, then pg-boss retries it',
          );
          return { rows: [{ count: 0 }] };
        });
      }
      inFlight.add(call);
      const forget = () => void inFlight.delete(call);
      call.then(forget, forget);
      return call;
    },
    pending: () => [...inFlight],
    async close() {
      if (closed) return;
      closed = true;
      await Promise.allSettled([...inFlight]);
      await end();
    },
  };
}

/**
 * pg-boss 10 completes or fails a job without awaiting the statement (`onFetch` in its
 * manager.js), so a database error at that instant is an unhandled rejection, which ends a Node
 * process. Those two statements are recognised by their exact text, taken from pg-boss's own
 * plans, and their failure is logged instead. Should an upgrade move that module, nothing is
 * recognised and pg-boss's behaviour is unchanged (the runtime's tests then fail loudly).
 */
function unawaitedStatements(schema: string): Set<string> {
  try {
    const plans = createRequire(import.meta.url)('pg-boss/src/plans.js') as {
      completeJobs(schema: string): string;
      failJobsById(schema: string): string;
    };
    return new Set([plans.completeJobs(schema), plans.failJobsById(schema)]);
  } catch {
    return new Set();
  }
}
