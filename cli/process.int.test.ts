import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../test/app.js';
import { testDbKind } from '../test/db.js';
import { closedPort, createOrg, tempDir, type TestOrg } from './cli.testing.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Runs the real executable (`node --import tsx cli/main.ts …`) as a child process. */
function automitra(
  args: string[],
  home: string,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'cli/main.ts'), ...args], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', HOME: home },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
}

describe(`the automitra executable (${testDbKind()})`, { timeout: 60_000 }, () => {
  let t: TestApp;
  let org: TestOrg;
  let home: { dir: string; cleanup: () => Promise<void> };

  beforeAll(async () => {
    t = await startTestApp({ listen: true });
    org = await createOrg(t, 'Spawned', ['Agent']);
    home = await tempDir('process');
  });
  afterAll(async () => {
    await t.close();
    await home.cleanup();
  });

  it('prints its help, runs a real command, and exits with the documented codes', async () => {
    const [help, doctor, unreachable] = await Promise.all([
      automitra(['--help'], home.dir),
      automitra(['doctor', '--org', org.orgId, '--json', '--url', t.url, '--key', org.key], home.dir),
      automitra(
        ['orgs', 'list', '--url', `http://127.0.0.1:${await closedPort()}`, '--key', org.key],
        home.dir,
      ),
    ]);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: automitra /);
    expect(help.stdout).toContain('Exit codes:');

    expect(doctor.stderr).toBe('');
    expect(doctor.code).toBe(0);
    expect(JSON.parse(doctor.stdout)).toMatchObject({ ok: true, url: t.url });

    expect(unreachable.code).toBe(3);
    expect(unreachable.stderr).toMatch(
      /^error: cannot reach http:\/\/127\.0\.0\.1:\d+: is the platform running/,
    );
  });
});
