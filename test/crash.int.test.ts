/**
 * A server killed with SIGKILL in the middle of a stream of webhooks, then restarted on the same
 * database: every delivery it acknowledged (202) is still there and gets merged, and the polls it
 * had scheduled resume, so calls placed before the crash still end final.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { isTerminalStatus } from '../common/call-status.js';
import { startSimulator, type RunningSimulator } from '../simulator/server.js';
import { PASSWORD, uniqueEmail } from './app.js';
import { testDbKind } from './db.js';
import { startServerProcess, type ServerProcess } from './process.js';
import { waitUntil } from './wait.js';

const running: ServerProcess[] = [];
let simulator: RunningSimulator | undefined;
let dropDatabase: (() => Promise<void>) | undefined;
afterAll(async () => {
  await Promise.all(running.map((p) => p.stop('SIGKILL')));
  await simulator?.close();
  await dropDatabase?.();
});

async function databaseEnv(): Promise<Record<string, string>> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'automitra-crash-'));
  if (testDbKind() === 'pglite') return { DATA_DIR: dataDir };
  const base = process.env.TEST_DATABASE_URL!;
  const name = `automitra_test_f_crash_${Date.now()}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  dropDatabase = async () => {
    const c = new pg.Client({ connectionString: base });
    await c.connect();
    await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await c.end();
  };
  const url = new URL(base);
  url.pathname = `/${name}`;
  return { DATABASE_URL: url.toString(), DATA_DIR: dataDir };
}

describe(`crash and restart (${testDbKind()})`, { timeout: 120_000 }, () => {
  it('loses no acknowledged delivery and resumes its polls', async () => {
    // Bolna's own webhooks are all lost: only polling can finish the calls placed before the crash.
    simulator = await startSimulator({
      seed: 5,
      timeScale: 0.02,
      webhookDropRate: 1,
      outcomes: { completed: 1 },
      completedDelayMs: 60_000,
    });
    const env = {
      ...(await databaseEnv()),
      SESSION_SECRET: 'crash-test-secret-0123456789abcdefgh',
      BOLNA_API_KEY: simulator.apiKey,
      BOLNA_BASE_URL: simulator.url,
      POLL_INTERVAL_S: '1',
    };
    const first = await startServerProcess(env);
    running.push(first);
    const json = { 'content-type': 'application/json' };
    const signup = await fetch(`${first.url}/api/auth/signup`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({
        email: uniqueEmail('crash'),
        password: PASSWORD,
        name: 'C',
        organizationName: 'Crash',
      }),
    });
    const cookie = signup.headers.get('set-cookie')!.split(';')[0]!;
    const orgId = ((await signup.json()) as { organization: { id: string } }).organization.id;
    const auth = { ...json, cookie };
    const api = async (url: string, body?: unknown) => {
      const res = await fetch(`${url}`, {
        method: body ? 'POST' : 'GET',
        headers: auth,
        body: body ? JSON.stringify(body) : undefined,
      });
      return (await res.json()) as Record<string, unknown> & { data?: Record<string, unknown>[] };
    };
    const agent = await api(`${first.url}/api/orgs/${orgId}/agents`, { name: 'Crash agent' });
    const token = (await api(`${first.url}/api/orgs/${orgId}/webhook`)).token as string;
    const placed: Record<string, unknown>[] = [];
    for (let i = 0; i < 3; i++) {
      placed.push(
        await api(`${first.url}/api/orgs/${orgId}/calls`, {
          agentId: agent.id,
          toNumber: `+91987650000${i}`,
        }),
      );
    }

    // A stream of deliveries for executions of our agent that the platform has not seen (each creates a call).
    const acknowledged: string[] = [];
    let killed = false;
    const send = async (i: number) => {
      const body = {
        id: `crash-exec-${i}`,
        agent_id: agent.providerAgentId,
        status: 'ringing',
        created_at: '2026-11-21T07:00:00.000001',
        updated_at: '2026-11-21T07:00:01.000001',
        telephony_data: { to_number: '+919876500999', call_type: 'outbound' },
      };
      try {
        const res = await fetch(`${first.url}/api/webhooks/bolna/call-status?token=${token}`, {
          method: 'POST',
          headers: json,
          body: JSON.stringify(body),
        });
        if (res.status === 202) acknowledged.push(body.id);
      } catch {
        // connection refused or reset by the kill: not acknowledged
      }
    };
    const senders = Array.from({ length: 8 }, async (_, worker) => {
      for (let i = worker; i < 4000 && !killed; i += 8) await send(i);
    });
    await waitUntil(() => acknowledged.length >= 150, 30_000);
    first.child.kill('SIGKILL');
    killed = true;
    await Promise.all(senders);
    await first.stop();
    expect(acknowledged.length).toBeGreaterThanOrEqual(150);

    const second = await startServerProcess(env);
    running.push(second);
    const missing = async () => {
      const seen = new Set<unknown>();
      let cursor: string | null = null;
      do {
        const page = (await api(
          `${second.url}/api/orgs/${orgId}/calls?limit=200${cursor ? `&cursor=${cursor}` : ''}`,
        )) as { data: { providerCallId: string }[]; nextCursor: string | null };
        page.data.forEach((c) => seen.add(c.providerCallId));
        cursor = page.nextCursor;
      } while (cursor);
      return acknowledged.filter((id) => !seen.has(id));
    };
    let lost: string[] = acknowledged;
    await waitUntil(
      async () => (lost = await missing()).length === 0,
      70_000,
      'acknowledged deliveries were lost or never merged',
    ).catch((err: Error) => {
      throw new Error(
        `${err.message}: ${lost.length} of ${acknowledged.length} missing, e.g. ${lost.slice(0, 5).join(', ')}`,
      );
    });

    // The polls scheduled before the crash resume: the calls placed then end final.
    await waitUntil(
      async () => {
        const statuses = await Promise.all(
          placed.map(
            async (c) => (await api(`${second.url}/api/orgs/${orgId}/calls/${c.id}`)).status as string,
          ),
        );
        return statuses.every((s) => isTerminalStatus(s as never));
      },
      60_000,
      'calls placed before the crash did not end final after the restart',
    );
    expect(await second.stop('SIGTERM')).toBe(0);
  });
});
