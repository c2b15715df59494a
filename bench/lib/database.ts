/**
 * A throw-away PostgreSQL database for one benchmark run: created fresh under a random name, migrated
 * with the platform's own migrations, dropped at the end (also after a failure).
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openDatabase, type Database } from '../../server/db/index.js';
import { migrate } from '../../server/db/migrate.js';

export const DEFAULT_BENCH_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

export interface BenchDatabase {
  /** The bench database's own URL. */
  readonly url: string;
  readonly name: string;
  /** Drops the database, disconnecting whatever is still connected. Safe to call twice. */
  drop(): Promise<void>;
}

/** `base` with its database name replaced by `name`. */
export function databaseUrl(base: string, name: string): string {
  const url = new URL(base);
  url.pathname = `/${name}`;
  return url.toString();
}

async function adminQuery(base: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: base, application_name: 'automitra-bench' });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** Creates `automitra_bench_<random>` next to `base` and applies every migration to it. */
export async function createBenchDatabase(base: string, prefix = 'automitra_bench'): Promise<BenchDatabase> {
  const name = `${prefix}_${randomBytes(5).toString('hex')}`;
  await adminQuery(base, `CREATE DATABASE ${name}`);
  let dropped: Promise<void> | undefined;
  const bench: BenchDatabase = {
    url: databaseUrl(base, name),
    name,
    drop: () => (dropped ??= adminQuery(base, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)),
  };
  try {
    const database: Database = await openDatabase({ url: bench.url, poolMax: 1 });
    try {
      await migrate(database);
    } finally {
      await database.close();
    }
  } catch (err) {
    await bench.drop().catch(() => {});
    throw err;
  }
  return bench;
}
