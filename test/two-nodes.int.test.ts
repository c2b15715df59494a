/**
 * Two server nodes on loopback sharing PostgreSQL and Redis: a webhook received by node A reaches
 * a client connected to node B, and each poll job runs once across both nodes.
 */
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isTerminalStatus } from '../common/call-status.js';
import { buildApp } from '../server/app.js';
import { openDatabase, type Database } from '../server/db/index.js';
import type { App } from '../server/http.js';
import { startJobRuntime } from '../server/jobs/index.js';
import type { JobRuntime } from '../server/jobs/types.js';
import { createBolnaClient } from '../server/providers/bolna/index.js';
import { startSimulator, type RunningSimulator } from '../simulator/server.js';
import { freePort, signUp } from './app.js';
import { testConfig } from './config.js';
import { createTestDatabase, testDbKind, type TestDatabase } from './db.js';
import { connectSocket, type RecordingClient } from './realtime.js';
import { waitUntil } from './wait.js';

const redisBase = process.env.TEST_REDIS_URL;
const why =
  testDbKind() !== 'pg'
    ? 'needs PostgreSQL (PGlite is one process)'
    : !redisBase
      ? 'needs TEST_REDIS_URL'
      : '';
if (why && testDbKind() === 'pg') console.log(`[two-nodes] skipped: ${why}`);

interface Node {
  app: App;
  url: string;
  database: Database;
  jobs: JobRuntime;
}

describe.runIf(!why)(
  `two nodes sharing PostgreSQL and Redis (${why || 'pg + redis'})`,
  { timeout: 90_000 },
  () => {
    let testDb: TestDatabase;
    let simulator: RunningSimulator;
    const nodes: Node[] = [];
    const sockets: RecordingClient[] = [];
    let redisUrl: string;

    beforeAll(async () => {
      testDb = await createTestDatabase();
      // A Redis database of this run's own, so parallel runs do not share streams or counters.
      redisUrl = `${redisBase!.replace(/\/\d*$/, '')}/${1 + Math.floor(Math.random() * 14)}`;
      const flush = createClient({ url: redisUrl });
      await flush.connect();
      await flush.flushDb();
      await flush.quit();
      simulator = await startSimulator({
        seed: 11,
        timeScale: 0.01,
        completedDelayMs: 2_000,
        outcomes: { completed: 1 },
      });
      const ports = [await freePort(), await freePort()];
      for (const port of ports) {
        const config = testConfig({
          REDIS_URL: redisUrl,
          PUBLIC_WEBHOOK_URL: `http://127.0.0.1:${ports[0]}`, // Bolna posts to node A
          POLL_INTERVAL_S: '1',
        });
        const database = await openDatabase({ url: testDb.url!, poolMax: 5 });
        const jobs = await startJobRuntime({ database, pollingIntervalSeconds: 0.5 });
        const bolna = createBolnaClient({
          baseUrl: simulator.url,
          apiKey: simulator.apiKey,
          backoffBaseMs: 20,
        });
        const app = await buildApp({ config, database, jobs, bolna, logger: false });
        await app.listen({ port, host: '127.0.0.1' });
        nodes.push({ app, url: `http://127.0.0.1:${port}`, database, jobs });
      }
    });

    afterAll(async () => {
      sockets.forEach((s) => s.close());
      for (const node of nodes) {
        await node.app.close();
        await node.jobs.stop({ graceful: false });
        await node.database.close();
      }
      await simulator?.close();
      await testDb?.drop();
    });

    it('delivers the events of a call handled by node A to a client of node B, in order, with each poll run once', async () => {
      const [a, b] = nodes as [Node, Node];
      const owner = await signUp(a.app);
      const agent = (
        await owner.client.post(`/api/orgs/${owner.orgId}/agents`, { name: 'Two nodes' })
      ).json();
      const onB = await connectSocket(b.url, { cookie: owner.client.cookie });
      const onA = await connectSocket(a.url, { cookie: owner.client.cookie });
      sockets.push(onA, onB);

      // Webhooks for these calls are all posted to node A (PUBLIC_WEBHOOK_URL).
      const calls = [];
      for (let i = 0; i < 3; i++) {
        calls.push(
          (
            await owner.client.post(`/api/orgs/${owner.orgId}/calls`, {
              agentId: agent.id,
              toNumber: `+9198765440${i}`,
            })
          ).json(),
        );
      }
      for (const call of calls) {
        await waitUntil(
          () => onB.events.some((e) => e.callId === call.id && isTerminalStatus(e.status as never)),
          30_000,
        );
      }
      for (const call of calls) {
        const seenOnB = onB.events.filter((e) => e.callId === call.id);
        const seenOnA = onA.events.filter((e) => e.callId === call.id);
        expect(seenOnB.map((e) => e.status)).toEqual(seenOnA.map((e) => e.status));
        expect(seenOnB.map((e) => e.status)).toEqual(
          expect.arrayContaining(['ringing', 'in_progress', 'completed']),
        );
      }

      // Every poll job that completed ran exactly once: the handler runs counted on both nodes
      // equal the poll jobs pg-boss completed.
      await waitUntil(async () => {
        const { rows } = await a.database.withSession((s) =>
          s.query<{ n: number }>('SELECT count(*)::int AS n FROM calls WHERE confirmed_at IS NULL'),
        );
        return Number(rows[0]!.n) === 0;
      }, 30_000);
      const runs = await Promise.all(nodes.map((n) => pollRuns(n.app)));
      const { rows } = await a.database.withSession((s) =>
        s.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM (
           SELECT id FROM pgboss.job WHERE name = 'call.poll' AND state = 'completed'
           UNION ALL SELECT id FROM pgboss.archive WHERE name = 'call.poll' AND state = 'completed') j`,
        ),
      );
      expect(runs[0]! + runs[1]!).toBe(Number(rows[0]!.n));
      expect(runs[0]! + runs[1]!).toBeGreaterThan(0);
    });
  },
);

/** Poll handler runs on one node, read from its Prometheus counters. */
async function pollRuns(app: App): Promise<number> {
  const text = (await app.inject('/metrics')).body;
  return [...text.matchAll(/^automitra_polls_total\{outcome="[^"]+"\} (\d+)/gm)].reduce(
    (sum, m) => sum + Number(m[1]),
    0,
  );
}
