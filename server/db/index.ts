/**
 * Opens the platform's database: PostgreSQL through node-postgres when a URL is given, otherwise
 * PGlite (Postgres in WebAssembly) persisted in a data folder. Both expose the same Drizzle API,
 * the same SQL and the same migrations.
 */
import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import pg from 'pg';
import { inlineParams } from './inline-params.js';
import * as schema from './schema.js';

export type Schema = typeof schema;
/** The Drizzle handle every repository takes; a transaction is one too. */
export type Db = PgDatabase<PgQueryResultHKT, Schema>;

/** A single connection for work that needs one session (advisory locks, multi-statement SQL). */
export interface RawSession {
  query<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<{ rows: T[] }>;
  /** Runs SQL text that may hold several statements, without parameters. */
  exec(text: string): Promise<void>;
  /** Runs `fn` atomically: all of its statements apply, or none. */
  atomic<T>(fn: () => Promise<T>): Promise<T>;
}

/**
 * Raw SQL inside a transaction. Statements may be issued without awaiting the previous one: they
 * run in the order issued, and each resolves (or rejects) on its own.
 */
export interface SqlTransaction {
  query<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<{ rows: T[] }>;
  /**
   * Several statements, run in order, resolving to each one's rows: on PostgreSQL in one round trip
   * (one message in the simple query protocol, parameters written into the text). One that fails
   * fails the transaction.
   */
  queryAll(statements: readonly SqlStatement[]): Promise<{ rows: Record<string, unknown>[] }[]>;
  /**
   * The transaction's last statement, committed with it: resolves once both are done (on
   * PostgreSQL, in one round trip). Nothing may be issued after it, and the transaction can no
   * longer be rolled back by throwing.
   */
  queryAndCommit<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<{ rows: T[] }>;
}

export interface SqlStatement {
  text: string;
  params?: unknown[];
}

/**
 * How to reach the same database from a component that brings its own driver (the pg-boss job
 * runtime): the PostgreSQL URL, so it can open a pool of its own, or the PGlite instance itself,
 * which has a single connection and must be shared. Nothing else should need it.
 */
export type DatabaseConnection =
  { readonly kind: 'pg'; readonly url: string } | { readonly kind: 'pglite'; readonly client: PGlite };

export interface Database {
  readonly kind: 'pg' | 'pglite';
  readonly db: Db;
  /** The underlying connection details, for the job runtime only; repositories use `db`. */
  readonly connection: DatabaseConnection;
  /** Runs `fn` on one dedicated connection, released afterwards. */
  withSession<T>(fn: (session: RawSession) => Promise<T>): Promise<T>;
  /**
   * Runs `fn` in a transaction of raw SQL, committed when it resolves (or by its `queryAndCommit`)
   * and rolled back when it throws. For hot paths: on PostgreSQL, `BEGIN` goes out with the first
   * statement and `COMMIT` with the one `queryAndCommit` sends, each pair in one round trip (as
   * plain SQL text, `inlineParams`), and the statements `fn` issues without awaiting go out back to
   * back, without a turn of the event loop between them.
   */
  transaction<T>(fn: (tx: SqlTransaction) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  /** A postgres:// URL; absent means embedded PGlite. */
  url?: string;
  /** Folder for PGlite's files; absent (with no url) means in memory. */
  dataDir?: string;
  poolMax?: number;
}

/** Opens PostgreSQL or PGlite according to `options`. The caller closes it. */
export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  return options.url ? openPostgres(options.url, options.poolMax ?? 10) : openPglite(options.dataDir);
}

/**
 * What a pool connects with: `url`, its sessions without JIT compilation. The platform's statements
 * touch a few rows each, but once a table is big enough for the planner's estimates to pass
 * `jit_above_cost` (stale statistics on a fast-growing table suffice), PostgreSQL spends 20–40 ms
 * compiling a statement that runs in one. Options the URL carries (`?options=…`, which node-postgres
 * prefers to its own setting) are kept.
 */
export function connectionConfig(url: string): { connectionString: string; options?: string } {
  const noJit = '-c jit=off';
  try {
    const parsed = new URL(url);
    const own = parsed.searchParams.get('options');
    parsed.searchParams.set('options', own ? `${own} ${noJit}` : noJit);
    return { connectionString: parsed.toString() };
  } catch {
    // Not a URL: node-postgres cannot read options from it either.
    return { connectionString: url, options: noJit };
  }
}

function openPostgres(url: string, max: number): Database {
  const pool = new pg.Pool({ ...connectionConfig(url), max, application_name: 'automitra' });
  // An idle client that errors (server restart) must not crash the process; the pool replaces it.
  pool.on('error', () => {});
  const db = drizzlePg(pool, { schema }) as unknown as Db;
  return {
    kind: 'pg',
    db,
    connection: { kind: 'pg', url },
    async withSession(fn) {
      const client = await pool.connect();
      try {
        return await fn({
          query: async (text, params) => client.query(text, params),
          exec: async (text) => {
            await client.query(text);
          },
          atomic: async (work) => {
            await client.query('BEGIN');
            try {
              const result = await work();
              await client.query('COMMIT');
              return result;
            } catch (err) {
              await client.query('ROLLBACK');
              throw err;
            }
          },
        } as RawSession);
      } finally {
        client.release();
      }
    },
    async transaction(fn) {
      const client = await pool.connect();
      let broken: Error | undefined;
      /** Whether BEGIN was sent, and whether COMMIT was. */
      let begun = false;
      let ended = false;
      try {
        // Statements are chained here (node-postgres no longer queues them itself): each goes out
        // as soon as the one before it is answered, without waiting for the caller to look. After
        // a failure nothing more is sent: the rest fail with the first error. The first message
        // carries BEGIN and the last may carry COMMIT, and `queryAll` sends several statements in
        // one: several statements in one message take the simple query protocol, which has no
        // parameters, so theirs are written into the text.
        let tail: Promise<unknown> = Promise.resolve();
        const send = (statements: readonly SqlStatement[], commit: boolean) => {
          if (ended) throw new Error('the transaction was already committed');
          const first = !begun;
          begun = true;
          ended = commit;
          const run = tail.then(async (): Promise<pg.QueryResult[]> => {
            if (!first && !commit && statements.length === 1)
              return [await client.query(statements[0]!.text, statements[0]!.params)];
            const texts = statements.map(({ text, params }) => inlineParams(text, params));
            if (first) texts.unshift('BEGIN');
            if (commit) texts.push('COMMIT');
            // Several statements in one message: node-postgres answers with one result each.
            const results = (await client.query(texts.join('\n;\n'))) as unknown as pg.QueryResult[];
            return results.slice(first ? 1 : 0, (first ? 1 : 0) + statements.length);
          });
          tail = run;
          return run;
        };
        const one = (text: string, params: unknown[] | undefined, commit: boolean) => {
          const result = send([{ text, params }], commit).then(
            ([first]) => first as unknown as { rows: never[] },
          );
          // Its failure also fails `tail`, which is always awaited: not an unhandled rejection here.
          result.catch(() => {});
          return result;
        };
        try {
          const result = await fn({
            query: (text, params) => one(text, params, false),
            queryAll: (statements) => {
              if (statements.length === 0) return Promise.resolve([]);
              const results = send(statements, false);
              results.catch(() => {}); // as in `one`
              return results;
            },
            queryAndCommit: (text, params) => one(text, params, true),
          });
          await tail;
          if (begun && !ended) await client.query('COMMIT');
          return result;
        } catch (err) {
          await tail.catch(() => {});
          // Also after a failed COMMIT, or one never run after its statement failed (a ROLLBACK
          // outside a transaction only warns).
          if (begun) await client.query('ROLLBACK').catch((rollbackErr: Error) => (broken = rollbackErr));
          throw err;
        }
      } finally {
        // A connection that could not roll back is closed, not returned to the pool.
        client.release(broken);
      }
    },
    close: () => pool.end(),
  };
}

async function openPglite(dataDir: string | undefined): Promise<Database> {
  if (dataDir) mkdirSync(dataDir, { recursive: true });
  const client = await PGlite.create(dataDir);
  const db = drizzlePglite(client, { schema }) as unknown as Db;
  return {
    kind: 'pglite',
    db,
    connection: { kind: 'pglite', client },
    // PGlite has one connection: a session is an exclusive transaction on it, so other callers
    // wait, and `atomic` is a savepoint inside it (an error still rolls the whole session back).
    withSession: (fn) =>
      client.transaction(async (tx) => {
        let savepoints = 0;
        return fn({
          query: (text, params) => tx.query(text, params),
          exec: async (text) => {
            await tx.exec(text);
          },
          atomic: async (work) => {
            const name = `automitra_sp_${++savepoints}`;
            await tx.exec(`SAVEPOINT ${name}`);
            try {
              const result = await work();
              await tx.exec(`RELEASE SAVEPOINT ${name}`);
              return result;
            } catch (err) {
              await tx.exec(`ROLLBACK TO SAVEPOINT ${name}`);
              throw err;
            }
          },
        } as RawSession);
      }),
    // One connection: PGlite queues every other caller behind this transaction.
    transaction: (fn) =>
      client.transaction((tx) => {
        let ended = false;
        const query = (text: string, params?: unknown[]) => {
          if (ended) throw new Error('the transaction was already committed');
          return tx.query(text, params);
        };
        // Round trips cost nothing here: the last statement is an ordinary one, committed after.
        return fn({
          query,
          queryAll: async (statements: readonly SqlStatement[]) => {
            const results = [];
            for (const { text, params } of statements) results.push(await query(text, params));
            return results;
          },
          queryAndCommit: (text, params) => {
            const result = query(text, params);
            ended = true;
            return result;
          },
        } as SqlTransaction);
      }),
    close: () => client.close(),
  };
}
