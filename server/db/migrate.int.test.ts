import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { openDatabase, type Database } from './index.js';
import { loadMigrations, migrate } from './migrate.js';
import { testDbKind } from '../../test/db.js';

/** An empty database (no migrations applied), PostgreSQL or PGlite according to the project. */
async function emptyDatabase(): Promise<{ open: () => Promise<Database>; drop: () => Promise<void> }> {
  if (testDbKind() === 'pglite') {
    const dir = mkdtempSync(path.join(tmpdir(), 'automitra-migrate-'));
    return { open: () => openDatabase({ dataDir: dir }), drop: async () => {} };
  }
  const base = process.env.TEST_DATABASE_URL!;
  const name = `automitra_test_f_mig_${Date.now()}_${Math.floor(Math.random() * 1e6)}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(base);
  url.pathname = `/${name}`;
  return {
    open: () => openDatabase({ url: url.toString(), poolMax: 2 }),
    drop: async () => {
      const c = new pg.Client({ connectionString: base });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

async function tables(db: Database): Promise<string[]> {
  const { rows } = await db.withSession((s) =>
    s.query<{ t: string }>("SELECT tablename AS t FROM pg_tables WHERE schemaname = 'public' ORDER BY 1"),
  );
  return rows.map((r) => r.t);
}

describe(`migrations (${testDbKind()})`, () => {
  it('installs fresh, then re-runs as a no-op', async () => {
    const empty = await emptyDatabase();
    const db = await empty.open();
    const all = loadMigrations().map((m) => m.version);
    expect(await migrate(db)).toEqual({ applied: all, current: all.at(-1) });
    expect(await tables(db)).toEqual(
      expect.arrayContaining([
        'users',
        'organizations',
        'memberships',
        'sessions',
        'invitations',
        'api_keys',
        'schema_migrations',
      ]),
    );
    expect(await migrate(db)).toEqual({ applied: [], current: all.at(-1) });
    // Large values compress with LZ4 where the server has it (PostgreSQL here), else with pglz.
    const { rows: compression } = await db.withSession((s) =>
      s.query<{ name: string; method: string }>(
        `SELECT attrelid::regclass || '.' || attname AS name, attcompression::text AS method
           FROM pg_attribute
          WHERE (attrelid, attname) IN (('webhook_events'::regclass, 'payload'), ('calls'::regclass, 'transcription'))
          ORDER BY 1`,
      ),
    );
    // (A server without LZ4 refuses it as the default too.)
    const hasLz4 = await db
      .withSession((s) => s.exec('SET default_toast_compression = lz4; RESET default_toast_compression'))
      .then(
        () => true,
        () => false,
      );
    const method = hasLz4 ? 'l' : '';
    expect(compression).toEqual([
      { name: 'calls.transcription', method },
      { name: 'webhook_events.payload', method },
    ]);
    await db.close();
    await empty.drop();
  });

  it('applies each migration exactly once when several starters race', async () => {
    const empty = await emptyDatabase();
    // PGlite is one process's database: the race is between callers sharing it.
    const handles =
      testDbKind() === 'pg'
        ? await Promise.all([empty.open(), empty.open(), empty.open()])
        : [await empty.open()];
    const runners = testDbKind() === 'pg' ? handles : [handles[0]!, handles[0]!, handles[0]!];
    const results = await Promise.all(runners.map((h) => migrate(h)));
    const appliedTotal = results.flatMap((r) => r.applied);
    expect(appliedTotal.sort()).toEqual(loadMigrations().map((m) => m.version));
    const { rows } = await handles[0]!.withSession((s) => s.query('SELECT version FROM schema_migrations'));
    expect(rows).toHaveLength(loadMigrations().length);
    await Promise.all(handles.map((h) => h.close()));
    await empty.drop();
  });

  it('refuses a migration edited after it was applied, and rolls back a failing one', async () => {
    const empty = await emptyDatabase();
    const db = await empty.open();
    const dir = mkdtempSync(path.join(tmpdir(), 'automitra-mfiles-'));
    writeFileSync(path.join(dir, '0001_one.sql'), 'CREATE TABLE one (id int);');
    await migrate(db, loadMigrations(dir));
    writeFileSync(path.join(dir, '0001_one.sql'), 'CREATE TABLE one (id bigint);');
    await expect(migrate(db, loadMigrations(dir))).rejects.toThrow(/changed after it was applied/);

    writeFileSync(path.join(dir, '0001_one.sql'), 'CREATE TABLE one (id int);');
    writeFileSync(path.join(dir, '0002_two.sql'), 'CREATE TABLE two (id int); SELECT no_such_function();');
    await expect(migrate(db, loadMigrations(dir))).rejects.toThrow(/0002_two failed/);
    expect(await tables(db)).not.toContain('two');
    await db.close();
    await empty.drop();
  });
});
