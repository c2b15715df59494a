/**
 * A database of its own for each integration test file: a fresh in-memory PGlite (TEST_DB=pglite),
 * or a PostgreSQL database cloned from the migrated template (TEST_DB=pg).
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openDatabase, type Database } from '../server/db/index.js';
import { migrate } from '../server/db/migrate.js';
import { TEMPLATE_DB, databaseUrl } from './pg-global-setup.js';

export type TestDbKind = 'pg' | 'pglite';

export function testDbKind(): TestDbKind {
  return process.env.TEST_DB === 'pg' ? 'pg' : 'pglite';
}

export interface TestDatabase {
  database: Database;
  /** The PostgreSQL URL of this file's database (pg only), for a second process or pool. */
  url?: string;
  drop(): Promise<void>;
}

export async function createTestDatabase(): Promise<TestDatabase> {
  if (testDbKind() === 'pglite') {
    const database = await openDatabase({});
    await migrate(database);
    return { database, drop: () => database.close() };
  }
  const base = process.env.TEST_DATABASE_URL;
  if (!base) throw new Error('TEST_DB=pg needs TEST_DATABASE_URL');
  const name = `automitra_test_f_${randomBytes(6).toString('hex')}`;
  await adminQuery(base, `CREATE DATABASE ${name} TEMPLATE ${TEMPLATE_DB}`);
  const url = databaseUrl(base, name);
  const database = await openDatabase({ url, poolMax: 5 });
  return {
    database,
    url,
    async drop() {
      await database.close();
      await adminQuery(base, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}

async function adminQuery(base: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: base });
  await client.connect();
  try {
    // Cloning a template fails if another session is connected to it; retry briefly.
    for (let attempt = 0; ; attempt++) {
      try {
        await client.query(sql);
        return;
      } catch (err) {
        if (attempt >= 20 || (err as { code?: string }).code !== '55006') throw err;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  } finally {
    await client.end();
  }
}
