/**
 * `npm run bench:compression`: what compressing the event log's large values costs PostgreSQL, with
 * its default pglz and with LZ4 (migration 0009), on the ingest benchmark's realistic deliveries.
 *
 * Two tables shaped like the event log's large columns, one per method, in a throw-away database;
 * the same batches of deliveries inserted into each, in alternating order over several rounds (one
 * connection, one statement per batch of 50, as the receiver stores them). Reported: the CPU the
 * database backend spent on the inserts (from /proc, so Linux only), the bytes stored, and how many
 * rows were large enough to be compressed at all (a row over about 2 kB).
 *
 * Environment: BENCH_DATABASE_URL (postgres://postgres@127.0.0.1:5432/postgres), BENCH_CALLS (1000
 * call templates, five deliveries each), BENCH_ROUNDS (4), BENCH_SEED (1).
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { clockTicks } from './lib/cpu.js';
import { numberFromEnv } from './lib/env.js';
import { createBenchDatabase, DEFAULT_BENCH_DATABASE_URL } from './lib/database.js';
import { buildCallTemplates, LIFECYCLE, renderDelivery } from './lib/payloads.js';
import { fixed, mib, table } from './lib/report.js';

const count = (name: string, fallback: number) => numberFromEnv(name, fallback, { min: 1, integer: true });
const settings = {
  baseUrl: process.env.BENCH_DATABASE_URL || DEFAULT_BENCH_DATABASE_URL,
  calls: count('BENCH_CALLS', 1000),
  rounds: count('BENCH_ROUNDS', 4),
  seed: count('BENCH_SEED', 1),
};
const METHODS = ['pglz', 'lz4'] as const;
const BATCH = 50;
const HEADERS = JSON.stringify({
  'content-type': 'application/json',
  'user-agent': 'python-requests/2.31.0',
  'x-forwarded-for': '13.200.45.61',
});

async function main() {
  const db = await createBenchDatabase(settings.baseUrl, 'automitra_bench_compression');
  const client = new pg.Client({ connectionString: db.url, application_name: 'automitra-bench' });
  try {
    await client.connect();
    const available = await client.query('SET default_toast_compression = lz4').then(
      () => true,
      () => false,
    );
    if (!available) {
      // Not a failure of the run: migration 0009 keeps pglz on such a server.
      console.log('bench:compression: skipped, this PostgreSQL was built without LZ4 (nothing to compare)');
      return;
    }
    for (const method of METHODS) {
      await client.query(
        `CREATE TABLE events_${method} (id uuid PRIMARY KEY, headers jsonb COMPRESSION ${method},
                                        payload jsonb COMPRESSION ${method})`,
      );
    }
    const bodies = buildCallTemplates(settings.calls, settings.seed).flatMap((template) =>
      LIFECYCLE.map((_, step) => renderDelivery(template, step, randomUUID(), randomUUID())),
    );
    const batches: string[] = [];
    for (let i = 0; i < bodies.length; i += BATCH) {
      const rows = bodies.slice(i, i + BATCH).map((body) => `{"headers":${HEADERS},"payload":${body}}`);
      batches.push(`[${rows.join(',')}]`);
    }
    const backendCpuSeconds = async () => {
      const { rows } = await client.query<{ stat: string }>(
        `SELECT pg_read_file('/proc/' || pg_backend_pid() || '/stat') AS stat`,
      );
      const fields = rows[0]!.stat.slice(rows[0]!.stat.lastIndexOf(')') + 2).split(' ');
      return (Number(fields[11]) + Number(fields[12])) / clockTicks();
    };
    const cpu = { pglz: 0, lz4: 0 };
    for (let round = 0; round < settings.rounds; round += 1) {
      for (const method of round % 2 === 0 ? METHODS : [...METHODS].reverse()) {
        await client.query(`TRUNCATE events_${method}`);
        const before = await backendCpuSeconds();
        for (const batch of batches) {
          await client.query(
            `INSERT INTO events_${method} (id, headers, payload)
             SELECT gen_random_uuid(), v.headers, v.payload
               FROM jsonb_to_recordset($1::jsonb) AS v(headers jsonb, payload jsonb)`,
            [batch],
          );
        }
        cpu[method] += (await backendCpuSeconds()) - before;
      }
    }
    const rows = [];
    for (const method of METHODS) {
      const { rows: stored } = await client.query<{ bytes: string; compressed: string }>(
        `SELECT pg_total_relation_size('events_${method}') AS bytes,
                count(*) FILTER (WHERE pg_column_compression(payload) IS NOT NULL) AS compressed
           FROM events_${method}`,
      );
      const inserted = bodies.length * settings.rounds;
      rows.push([
        method,
        fixed((cpu[method] * 1e6) / inserted),
        `${fixed(cpu[method], 2)} s`,
        mib(Number(stored[0]!.bytes)),
        `${stored[0]!.compressed} of ${bodies.length}`,
      ]);
    }
    console.log(
      `bench:compression: ${bodies.length} deliveries (${settings.calls} calls), batches of ${BATCH}, ${settings.rounds} rounds per method, alternating`,
    );
    console.log(
      table(['method', 'backend CPU µs per row', 'backend CPU', 'stored', 'rows compressed'], rows),
    );
    console.log(`LZ4 / pglz backend CPU: ${fixed(cpu.lz4 / cpu.pglz, 2)}`);
  } finally {
    await client.end().catch(() => {});
    await db.drop();
  }
}

main().catch((err: Error) => {
  console.error(err);
  process.exit(1);
});
