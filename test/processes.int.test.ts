/**
 * The real server process: start-up on an empty database, graceful shutdown on SIGTERM, data
 * kept across a restart, and (on PostgreSQL) two processes starting at once on one schema.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { PASSWORD, uniqueEmail } from './app.js';
import { testDbKind } from './db.js';
import { startServerProcess, type ServerProcess } from './process.js';

const SECRET = { SESSION_SECRET: 'process-test-secret-0123456789abcdef' };
const running: ServerProcess[] = [];
afterAll(async () => {
  await Promise.all(running.map((p) => p.stop('SIGKILL')));
});

async function post(url: string, body: unknown) {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

describe.runIf(testDbKind() === 'pglite')('server process on embedded PGlite', { timeout: 90_000 }, () => {
  it('serves health, shuts down gracefully, and keeps accounts across a restart', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'automitra-proc-'));
    const first = await startServerProcess({ DATA_DIR: dataDir, ...SECRET });
    running.push(first);
    expect(await (await fetch(`${first.url}/api/healthz`)).json()).toEqual({ status: 'ok' });
    const email = uniqueEmail('persist');
    const signup = await post(`${first.url}/api/auth/signup`, {
      email,
      password: PASSWORD,
      name: 'P',
      organizationName: 'Kept',
    });
    expect(signup.status).toBe(201);
    expect(await first.stop('SIGTERM')).toBe(0);
    expect(first.output()).toContain('shutting down');

    const second = await startServerProcess({ DATA_DIR: dataDir, ...SECRET });
    running.push(second);
    const login = await post(`${second.url}/api/auth/login`, { email, password: PASSWORD });
    expect(login.status).toBe(200);
    expect(await second.stop('SIGTERM')).toBe(0);
  });

  it('refuses to start on invalid configuration and names every bad variable', async () => {
    await expect(
      startServerProcess({ PORT: 'x', DATABASE_URL: 'mysql://nope', ...SECRET }, 20_000),
    ).rejects.toThrow(/exited with 1[\s\S]*PORT[\s\S]*DATABASE_URL/);
  });
});

describe.runIf(testDbKind() === 'pg')('server processes on PostgreSQL', { timeout: 90_000 }, () => {
  it('starts two processes at once on one empty database: both ready on one migrated schema', async () => {
    const base = process.env.TEST_DATABASE_URL!;
    const name = `automitra_test_f_proc_${Date.now()}`;
    const admin = new pg.Client({ connectionString: base });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    const url = new URL(base);
    url.pathname = `/${name}`;
    try {
      const env = {
        DATABASE_URL: url.toString(),
        ...SECRET,
        DATA_DIR: mkdtempSync(path.join(tmpdir(), 'automitra-proc-')),
      };
      const [a, b] = await Promise.all([startServerProcess(env), startServerProcess(env)]);
      running.push(a!, b!);
      for (const p of [a!, b!]) {
        const ready = await fetch(`${p.url}/api/readyz`);
        expect(ready.status).toBe(200);
      }
      const email = uniqueEmail('two');
      expect(
        (
          await post(`${a!.url}/api/auth/signup`, {
            email,
            password: PASSWORD,
            name: 'T',
            organizationName: 'O',
          })
        ).status,
      ).toBe(201);
      expect((await post(`${b!.url}/api/auth/login`, { email, password: PASSWORD })).status).toBe(200);
      expect(await a!.stop()).toBe(0);
      expect(await b!.stop()).toBe(0);
    } finally {
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    }
  });
});
