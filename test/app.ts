/** Builds the real app on this file's database, and clients that keep a session cookie. */
import { randomBytes } from 'node:crypto';
import { createServer, type AddressInfo } from 'node:net';
import type { LightMyRequestResponse } from 'fastify';
import { buildApp } from '../server/app.js';
import type { Config } from '../server/config.js';
import type { App } from '../server/http.js';
import { startJobRuntime } from '../server/jobs/index.js';
import type { JobRuntime } from '../server/jobs/types.js';
import { createBolnaClient } from '../server/providers/bolna/index.js';
import { startSimulator, type RunningSimulator, type SimulatorOptions } from '../simulator/server.js';
import { testConfig } from './config.js';
import { createTestDatabase, type TestDatabase } from './db.js';

export interface TestApp {
  app: App;
  /** Where the app listens (with `listen: true`). */
  url: string;
  testDb: TestDatabase;
  config: Config;
  jobs: JobRuntime;
  /** The Bolna simulator this app talks to (started for every test app). */
  simulator: RunningSimulator;
  close(): Promise<void>;
}

export interface TestAppOptions {
  env?: Record<string, string>;
  now?: () => Date;
  /** Listen on a loopback port that is also the public webhook URL, so the simulator's webhooks arrive. */
  listen?: boolean;
  /** Simulator knobs; by default a fast, deterministic simulator (timeScale 0.01, seed 42). */
  simulator?: SimulatorOptions;
}

/** The real app on this file's database, with a job runtime and a Bolna simulator on loopback. */
export async function startTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const testDb = await createTestDatabase();
  const port = options.listen ? await freePort() : 0;
  const config = testConfig({
    ...(options.listen ? { PUBLIC_WEBHOOK_URL: `http://127.0.0.1:${port}`, POLL_INTERVAL_S: '1' } : {}),
    ...options.env,
  });
  const simulator = await startSimulator({ seed: 42, timeScale: 0.01, ...options.simulator });
  const jobs = await startJobRuntime({ database: testDb.database, pollingIntervalSeconds: 0.5 });
  const bolna = createBolnaClient({
    baseUrl: simulator.url,
    apiKey: simulator.apiKey,
    timeoutMs: 5_000,
    backoffBaseMs: 20,
    backoffMaxMs: 200,
    maxRetryAfterMs: 5_000,
  });
  const app = await buildApp({
    config,
    database: testDb.database,
    logger: false,
    now: options.now,
    jobs,
    bolna,
  });
  await app.ready();
  if (options.listen) await app.listen({ port, host: '127.0.0.1' });
  return {
    app,
    url: `http://127.0.0.1:${port}`,
    testDb,
    config,
    jobs,
    simulator,
    async close() {
      await app.close();
      await jobs.stop({ graceful: false });
      await simulator.close();
      await testDb.drop();
    },
  };
}

/** A loopback port that was free a moment ago (for a server whose URL must be known before it listens). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export type Method = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

/** A client of the app: a session cookie, or an API key, or no credentials at all. */
export class Client {
  constructor(
    readonly app: App,
    private credentials: { cookie?: string; apiKey?: string } = {},
  ) {}

  async request(method: Method, url: string, body?: unknown, headers: Record<string, string> = {}) {
    const res = await this.app.inject({
      method,
      url,
      headers: {
        ...(this.credentials.cookie ? { cookie: this.credentials.cookie } : {}),
        ...(this.credentials.apiKey ? { authorization: `Bearer ${this.credentials.apiKey}` } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...headers,
      },
      payload: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const setCookie = sessionCookie(res);
    if (setCookie !== undefined) this.credentials.cookie = setCookie || undefined;
    return res;
  }

  get = (url: string) => this.request('GET', url);
  post = (url: string, body?: unknown) => this.request('POST', url, body);
  patch = (url: string, body?: unknown) => this.request('PATCH', url, body);
  delete = (url: string) => this.request('DELETE', url);

  get cookie(): string | undefined {
    return this.credentials.cookie;
  }
}

/** The session cookie a response sets (`name=value`), '' when it clears it, undefined if untouched. */
function sessionCookie(res: LightMyRequestResponse): string | undefined {
  const cookie = res.cookies.find((c) => c.name === 'automitra_session');
  if (!cookie) return undefined;
  return cookie.value ? `automitra_session=${cookie.value}` : '';
}

export function uniqueEmail(label = 'user'): string {
  return `${label}-${randomBytes(5).toString('hex')}@example.test`;
}

export const PASSWORD = 'correct horse battery staple';

/** Signs a new user up with a new organization; returns a signed-in client. */
export async function signUp(
  app: App,
  overrides: { email?: string; name?: string; organizationName?: string } = {},
) {
  const client = new Client(app);
  const email = overrides.email ?? uniqueEmail();
  const res = await client.post('/api/auth/signup', {
    email,
    password: PASSWORD,
    name: overrides.name ?? 'Test User',
    organizationName: overrides.organizationName ?? 'Test Org',
  });
  if (res.statusCode !== 201) throw new Error(`signup failed: ${res.statusCode} ${res.body}`);
  const body = res.json() as {
    user: { id: string; email: string };
    organization: { id: string; name: string };
  };
  return { client, email, user: body.user, organization: body.organization, orgId: body.organization.id };
}

/** Creates an API key in `orgId` (the client must be an admin there) and returns a client using it. */
export async function apiKeyClient(app: App, admin: Client, orgId: string, role = 'admin') {
  const res = await admin.post(`/api/orgs/${orgId}/api-keys`, { name: `key-${role}`, role });
  if (res.statusCode !== 201) throw new Error(`api key failed: ${res.statusCode} ${res.body}`);
  const body = res.json() as { id: string; key: string; prefix: string };
  return { client: new Client(app, { apiKey: body.key }), ...body };
}

/** Invites `email` into `orgId` with `role` and accepts as a new user; returns that user's client. */
export async function addMember(app: App, admin: Client, orgId: string, role: string) {
  const email = uniqueEmail(role);
  const invite = await admin.post(`/api/orgs/${orgId}/invitations`, { email, role });
  if (invite.statusCode !== 201) throw new Error(`invite failed: ${invite.statusCode} ${invite.body}`);
  const token = (invite.json() as { url: string }).url.split('/invite/')[1]!;
  const client = new Client(app);
  const accepted = await client.post(`/api/invitations/${token}/accept`, {
    name: `A ${role}`,
    password: PASSWORD,
  });
  if (accepted.statusCode !== 200) throw new Error(`accept failed: ${accepted.statusCode} ${accepted.body}`);
  const user = (accepted.json() as { user: { id: string } }).user;
  return { client, email, userId: user.id };
}

export function expectError(res: LightMyRequestResponse, status: number, code?: string) {
  const body = res.json() as { error: string; message: string; requestId: string };
  if (res.statusCode !== status || (code && body.error !== code) || !body.message || !body.requestId) {
    throw new Error(`expected ${status} ${code ?? ''}, got ${res.statusCode} ${res.body}`);
  }
  return body;
}
