/**
 * Forward-only SQL migrations from `migrations/NNNN_name.sql`, applied in order at start.
 * A session-level advisory lock serialises concurrent starters: the second process waits, then
 * finds everything applied. Each file runs in its own transaction together with its bookkeeping row.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Database, RawSession } from './index.js';

/** Arbitrary constant shared by every Automitra process: the advisory lock key for migrations. */
const MIGRATION_LOCK_KEY = 7_304_112_961;

export interface Migration {
  version: number;
  name: string;
  sql: string;
  checksum: string;
}

/** Finds the repository root (where package.json is), from source or from the compiled dist/. */
export function projectRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('package.json not found above ' + fileURLToPath(import.meta.url));
    dir = parent;
  }
  return dir;
}

/** Reads the migration files in version order; a malformed name or a gap is a programming error. */
export function loadMigrations(dir = path.join(projectRoot(), 'migrations')): Migration[] {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.sql'))
    .sort();
  return files.map((file, index) => {
    const match = /^(\d{4})_([a-z0-9_]+)\.sql$/.exec(file);
    if (!match) throw new Error(`Migration file name must look like 0001_name.sql: ${file}`);
    const version = Number(match[1]);
    if (version !== index + 1)
      throw new Error(`Migration ${file} is out of sequence (expected ${index + 1})`);
    const sql = readFileSync(path.join(dir, file), 'utf8');
    return { version, name: match[2]!, sql, checksum: createHash('sha256').update(sql).digest('hex') };
  });
}

export interface MigrationResult {
  applied: number[];
  current: number;
}

/** Applies every pending migration. Safe to call from several processes at once. */
export async function migrate(database: Database, migrations = loadMigrations()): Promise<MigrationResult> {
  return database.withSession(async (session) => {
    await session.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    try {
      await session.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
        version integer PRIMARY KEY,
        name text NOT NULL,
        checksum text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now()
      )`);
      const done = await appliedMigrations(session);
      const applied: number[] = [];
      for (const m of migrations) {
        const existing = done.get(m.version);
        if (existing !== undefined) {
          if (existing !== m.checksum) {
            throw new Error(
              `Migration ${label(m)} was changed after it was applied. Migrations are forward-only: add a new file instead.`,
            );
          }
          continue;
        }
        try {
          await session.atomic(async () => {
            await session.exec(m.sql);
            await session.query(
              'INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)',
              [m.version, m.name, m.checksum],
            );
          });
        } catch (err) {
          throw new Error(`Migration ${label(m)} failed: ${(err as Error).message}`, { cause: err });
        }
        applied.push(m.version);
      }
      return { applied, current: migrations.at(-1)?.version ?? 0 };
    } finally {
      await session.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
    }
  });
}

function label(m: Migration): string {
  return `${String(m.version).padStart(4, '0')}_${m.name}`;
}

async function appliedMigrations(session: RawSession): Promise<Map<number, string>> {
  const { rows } = await session.query<{ version: number; checksum: string }>(
    'SELECT version, checksum FROM schema_migrations',
  );
  return new Map(rows.map((r) => [Number(r.version), r.checksum]));
}

/** For readiness: is the database reachable and every known migration applied? */
export async function migrationStatus(
  database: Database,
  migrations = loadMigrations(),
): Promise<{ current: number; expected: number }> {
  return database.withSession(async (session) => {
    const { rows } = await session.query<{ v: number | null }>(
      'SELECT max(version) AS v FROM schema_migrations',
    );
    return { current: Number(rows[0]?.v ?? 0), expected: migrations.at(-1)?.version ?? 0 };
  });
}
