/**
 * The real platform for a benchmark: the same pieces `server/main.ts` assembles (PostgreSQL pool, job
 * runtime, Bolna client, `buildApp`), listening on loopback, with Bolna replaced by the in-process
 * simulator (no faults), and organizations with agents created through the public API.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type AddressInfo } from 'node:net';
import pino from 'pino';
import { startSimulator, type RunningSimulator } from '../../simulator/server.js';
import { buildApp } from '../../server/app.js';
import { loadConfig, type Config } from '../../server/config.js';
import { openDatabase, type Database } from '../../server/db/index.js';
import type { App } from '../../server/http.js';
import { startJobRuntime } from '../../server/jobs/index.js';
import type { JobRuntime } from '../../server/jobs/types.js';
import { createBolnaClient } from '../../server/providers/bolna/index.js';

export interface BenchOrganization {
  id: string;
  /** The organization's webhook token (goes into `?token=`). */
  token: string;
  /** The webhook path with the token, as the org's agents are configured at Bolna. */
  webhookPath: string;
  /** Bolna agent ids of this organization's agents. */
  providerAgentIds: string[];
}

export interface BenchPlatform {
  readonly url: string;
  readonly app: App;
  readonly config: Config;
  readonly database: Database;
  readonly jobs: JobRuntime;
  readonly simulator: RunningSimulator;
  /** Closes the app, the job runtime, the simulator and the pool, in that order. */
  close(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * Starts the platform on `databaseUrl` (already migrated). `env` is the environment the platform's
 * configuration is read from (the bench sets the database, the URLs and Bolna on top of it).
 */
export async function startPlatform(options: {
  databaseUrl: string;
  env: Record<string, string | undefined>;
}): Promise<BenchPlatform> {
  const port = await freePort();
  const apiKey = `bench-sim-${randomBytes(6).toString('hex')}`;
  const simulator = await startSimulator({ apiKeys: [apiKey], apiErrorRate: 0, seed: 1 });
  const opened: { database?: Database; jobs?: JobRuntime; app?: App } = {};
  const closeAll = async () => {
    await opened.app?.close();
    await opened.jobs?.stop({ graceful: true, timeoutMs: 10_000 });
    await simulator.close();
    await opened.database?.close();
  };
  try {
    const config = loadConfig({
      ...options.env,
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      PORT: String(port),
      DATABASE_URL: options.databaseUrl,
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      PUBLIC_WEBHOOK_URL: `http://127.0.0.1:${port}`,
      SESSION_SECRET: randomBytes(32).toString('hex'),
      BOLNA_API_KEY: apiKey,
      BOLNA_BASE_URL: simulator.url,
      LOGIN_MAX_ATTEMPTS_PER_IP: '100000',
    });
    const log = pino({ level: config.logLevel });
    const database = (opened.database = await openDatabase({
      url: config.database.url,
      poolMax: config.database.poolMax,
    }));
    const jobs = (opened.jobs = await startJobRuntime({
      database,
      logger: log.child({ component: 'jobs' }),
    }));
    const bolna = createBolnaClient({
      baseUrl: simulator.url,
      apiKey,
      timeoutMs: config.bolna.timeoutMs,
    });
    const app = (opened.app = await buildApp({ config, database, jobs, bolna }));
    await app.listen({ port, host: '127.0.0.1' });
    return {
      url: `http://127.0.0.1:${port}`,
      app,
      config,
      database,
      jobs,
      simulator,
      close: closeAll,
    };
  } catch (err) {
    await closeAll().catch(() => {});
    throw err;
  }
}

/** One API call through `app.inject`; throws with the answer unless it is `expected`. */
async function call(
  app: App,
  method: 'GET' | 'POST',
  url: string,
  expected: number,
  options: { cookie?: string; body?: unknown } = {},
) {
  const res = await app.inject({
    method,
    url,
    headers: {
      ...(options.cookie ? { cookie: options.cookie } : {}),
      ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    payload: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  if (res.statusCode !== expected) {
    throw new Error(`${method} ${url} answered ${res.statusCode} (expected ${expected}): ${res.body}`);
  }
  return res;
}

/**
 * Signs up `orgs` owners (each with a new organization) and creates `agentsPerOrg` agents in each
 * through the API; every agent is pushed to the simulator with the organization's webhook URL.
 */
export async function createOrganizations(
  platform: BenchPlatform,
  orgs: number,
  agentsPerOrg: number,
): Promise<BenchOrganization[]> {
  const { app } = platform;
  const out: BenchOrganization[] = [];
  for (let o = 0; o < orgs; o += 1) {
    const signup = await call(app, 'POST', '/api/auth/signup', 201, {
      body: {
        email: `bench-${o}-${randomBytes(4).toString('hex')}@example.test`,
        password: 'a long benchmark password',
        name: `Bench owner ${o}`,
        organizationName: `Bench org ${o}`,
      },
    });
    const session = signup.cookies.find((c) => c.name === 'automitra_session');
    if (!session) throw new Error('signup set no session cookie');
    const cookie = `automitra_session=${session.value}`;
    const orgId = (signup.json() as { organization: { id: string } }).organization.id;
    const providerAgentIds: string[] = [];
    for (let a = 0; a < agentsPerOrg; a += 1) {
      const agent = (
        await call(app, 'POST', `/api/orgs/${orgId}/agents`, 201, {
          cookie,
          body: {
            name: `Outbound agent ${o}.${a}`,
            welcomeMessage: 'Hello {name}! This is Maya from Acme Broadband. Do you have a minute?',
            systemPrompt: 'You are Maya, a polite sales assistant for Acme Broadband. Be brief.',
          },
        })
      ).json() as { providerAgentId: string | null; syncStatus: string; webhookOk: boolean };
      if (!agent.providerAgentId || agent.syncStatus !== 'synced' || !agent.webhookOk) {
        throw new Error(`agent not synced to the simulator: ${JSON.stringify(agent)}`);
      }
      providerAgentIds.push(agent.providerAgentId);
    }
    const webhook = (await call(app, 'GET', `/api/orgs/${orgId}/webhook`, 200, { cookie })).json() as {
      url: string;
      token: string;
    };
    const url = new URL(webhook.url);
    out.push({
      id: orgId,
      token: webhook.token,
      webhookPath: `${url.pathname}${url.search}`,
      providerAgentIds,
    });
  }
  return out;
}
