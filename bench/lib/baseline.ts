/**
 * The floor cost of storing a delivery, for comparison (bench only, not part of the product): a bare
 * Fastify server with one route that reads the body as text, parses it as JSON (so a bad body would be
 * refused, as the real receiver does), INSERTs it into `bench_baseline`, and answers 202 with the row id.
 * No authentication, no mapping, no digest, no merge.
 */
import type { AddressInfo } from 'node:net';
import Fastify from 'fastify';
import pg from 'pg';

export const BASELINE_PATH = '/bench/baseline';

export interface BaselineServer {
  readonly url: string;
  /** Rows stored so far. */
  count(): Promise<number>;
  close(): Promise<void>;
}

/** Creates the table (if needed) in `databaseUrl` and listens on 127.0.0.1 with a pool of `poolMax`. */
export async function startBaseline(options: {
  databaseUrl: string;
  poolMax: number;
  bodyLimitBytes: number;
}): Promise<BaselineServer> {
  const pool = new pg.Pool({
    connectionString: options.databaseUrl,
    max: options.poolMax,
    application_name: 'automitra-bench-baseline',
  });
  pool.on('error', () => {});
  await pool.query(`CREATE TABLE IF NOT EXISTS bench_baseline (
    id bigserial PRIMARY KEY,
    body jsonb NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now()
  )`);
  const app = Fastify({ logger: false });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(
    '*',
    { parseAs: 'string', bodyLimit: options.bodyLimitBytes },
    (_req, body, done) => done(null, body),
  );
  app.post(BASELINE_PATH, async (request, reply) => {
    const text = typeof request.body === 'string' ? request.body : '';
    try {
      JSON.parse(text);
    } catch {
      return reply.status(400).send({ error: 'validation_failed', message: 'body: is not valid JSON' });
    }
    const { rows } = await pool.query<{ id: string }>(
      'INSERT INTO bench_baseline (body) VALUES ($1) RETURNING id',
      [text],
    );
    return reply.status(202).send({ received: true, eventId: rows[0]!.id });
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    async count() {
      const { rows } = await pool.query<{ n: string }>('SELECT count(*) AS n FROM bench_baseline');
      return Number(rows[0]!.n);
    },
    async close() {
      await app.close();
      await pool.end();
    },
  };
}
