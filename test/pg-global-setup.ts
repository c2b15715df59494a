/**
 * Before the int-pg project: builds a migrated template database once; each test file then
 * clones it (CREATE DATABASE … TEMPLATE), which takes milliseconds instead of a migration run.
 */
import pg from 'pg';
import { openDatabase } from '../server/db/index.js';
import { migrate } from '../server/db/migrate.js';

export const TEMPLATE_DB = 'automitra_test_template';

export function databaseUrl(base: string, name: string): string {
  const url = new URL(base);
  url.pathname = `/${name}`;
  return url.toString();
}

export default async function setup(): Promise<() => Promise<void>> {
  const base = process.env.TEST_DATABASE_URL!;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await dropStaleTestDatabases(admin);
  await admin.query(`DROP DATABASE IF EXISTS ${TEMPLATE_DB}`);
  await admin.query(`CREATE DATABASE ${TEMPLATE_DB}`);
  const database = await openDatabase({ url: databaseUrl(base, TEMPLATE_DB) });
  await migrate(database);
  await database.close();
  await admin.end();
  return async () => {
    const c = new pg.Client({ connectionString: base });
    await c.connect();
    await c.query(`DROP DATABASE IF EXISTS ${TEMPLATE_DB} WITH (FORCE)`);
    await c.end();
  };
}

/** Databases left by an interrupted earlier run. */
async function dropStaleTestDatabases(admin: pg.Client): Promise<void> {
  const { rows } = await admin.query<{ datname: string }>(
    "SELECT datname FROM pg_database WHERE datname LIKE 'automitra_test_f_%'",
  );
  for (const { datname } of rows) await admin.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
}
