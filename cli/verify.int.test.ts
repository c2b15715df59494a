import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../test/app.js';
import { testDbKind } from '../test/db.js';
import { createOrg, misrouteAgent, runCli, tempDir, type TestOrg } from './cli.testing.js';
import type { VerifyReport } from './commands/verify.js';

const ADMIN_TOKEN = 'cli-admin-token-0123456789-abcdefghijklmnop';

describe(`automitra verify (${testDbKind()})`, { timeout: 60_000 }, () => {
  let t: TestApp;
  let healthy: TestOrg;
  let broken: TestOrg;
  let dir: { dir: string; cleanup: () => Promise<void> };
  let asAdmin: string[];

  beforeAll(async () => {
    t = await startTestApp({ listen: true, env: { ADMIN_TOKEN } });
    healthy = await createOrg(t, 'Healthy Co', ['Front desk', 'Billing']);
    broken = await createOrg(t, 'Broken Co', ['Support', 'Misrouted']);
    // A stray edit in Bolna's dashboard: this agent's webhooks go elsewhere.
    await misrouteAgent(t, broken.agents[1]!.providerAgentId);
    dir = await tempDir('verify');
    asAdmin = ['--url', t.url, '--key', ADMIN_TOKEN];
  });
  afterAll(async () => {
    await t.close();
    await dir.cleanup();
  });

  it('verify --all writes a report that is right about the broken and the healthy organization', async () => {
    const res = await runCli(['verify', '--all', ...asAdmin], { cwd: dir.dir });
    expect(res.code).toBe(1);

    // The default report name, in the working folder.
    const files = await readdir(dir.dir);
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/^automitra-verify-\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}Z\.json$/);
    const report = JSON.parse(await readFile(path.join(dir.dir, files[0]!), 'utf8')) as VerifyReport;

    expect(report).toMatchObject({
      platform: t.url,
      ok: false,
      summary: { organizations: 2, passed: 1, failed: 1 },
      error: null,
    });
    const good = report.organizations.find((o) => o.id === healthy.orgId)!;
    const bad = report.organizations.find((o) => o.id === broken.orgId)!;
    expect(good.ok).toBe(true);
    expect(good.phases.map((p) => [p.id, p.ok])).toEqual([
      ['agents', true],
      ['webhooks', true],
      ['endpoint', true],
      ['delivery', true],
      ['realtime', true],
    ]);
    expect(bad.ok).toBe(false);
    const badPhase = bad.phases.filter((p) => !p.ok);
    expect(badPhase.map((p) => p.id)).toEqual(['webhooks']);
    expect(badPhase[0]!.detail).toMatch(/agent "Misrouted": Bolna has https:\/\/wrong\.example\/hook/);
    expect(badPhase[0]!.detail).not.toContain('Support');
    expect(badPhase[0]!.fix).toBe(`run \`automitra webhooks configure --org ${broken.orgId}\``);
    // Verify reads; it does not repair: the agent is still misrouted afterwards.
    expect(bad.phases.find((p) => p.id === 'agents')!.ok).toBe(true);

    expect(res.stdout).toMatch(/ORGANIZATION\s+AGENTS\s+WEBHOOKS\s+ENDPOINT\s+DELIVERY\s+REALTIME\s+RESULT/);
    expect(res.stdout).toMatch(/Healthy Co\s+ok\s+ok\s+ok\s+ok\s+ok\s+passed/);
    expect(res.stdout).toMatch(/Broken Co\s+ok\s+FAIL\s+ok\s+ok\s+ok\s+FAILED/);
    expect(res.stdout).toContain('1 of 2 organizations passed.');
    expect(res.stdout).toContain(`→ run \`automitra webhooks configure --org ${broken.orgId}\``);
  });

  it('passes once the broken organization is configured; --json prints the report too', async () => {
    const fix = await runCli([
      '--url',
      t.url,
      '--key',
      broken.key,
      'webhooks',
      'configure',
      '--org',
      broken.orgId,
    ]);
    expect(fix.code).toBe(0);
    const file = path.join(dir.dir, 'after-fix.json');
    const res = await runCli(['verify', '--all', '--report', file, '--json', ...asAdmin]);
    expect(res.code).toBe(0);
    const printed = res.json<VerifyReport & { reportFile: string }>();
    expect(printed).toMatchObject({
      ok: true,
      summary: { organizations: 2, passed: 2, failed: 0 },
      reportFile: file,
    });
    const written = JSON.parse(await readFile(file, 'utf8')) as VerifyReport;
    expect(written.organizations).toEqual(printed.organizations);
  });

  it('checks one organization with its own key, and writes the report even when it cannot run', async () => {
    const one = await runCli(
      ['verify', '--org', healthy.orgId, '--report', 'one.json', '--url', t.url, '--key', healthy.key],
      {
        cwd: dir.dir,
      },
    );
    expect(one.code).toBe(0);
    const report = JSON.parse(await readFile(path.join(dir.dir, 'one.json'), 'utf8')) as VerifyReport;
    expect(report.organizations.map((o) => o.id)).toEqual([healthy.orgId]);

    const refused = await runCli(
      [
        'verify',
        '--all',
        '--report',
        'refused.json',
        '--url',
        t.url,
        '--key',
        'amk_not_valid_000000000000000',
      ],
      { cwd: dir.dir },
    );
    expect(refused.code).toBe(3);
    const failed = JSON.parse(await readFile(path.join(dir.dir, 'refused.json'), 'utf8')) as VerifyReport;
    expect(failed).toMatchObject({ ok: false, organizations: [], error: { code: 'unauthorized' } });
  });
});
