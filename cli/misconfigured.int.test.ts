import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../test/app.js';
import { testDbKind } from '../test/db.js';
import { closedPort, createOrg, runCli, tempDir, type TestOrg } from './cli.testing.js';
import type { Check } from './commands/doctor.js';
import type { VerifyReport } from './commands/verify.js';

/** A platform whose PUBLIC_WEBHOOK_URL points nowhere: Bolna's deliveries could never arrive. */
describe(`automitra with an unreachable PUBLIC_WEBHOOK_URL (${testDbKind()})`, { timeout: 60_000 }, () => {
  let t: TestApp;
  let org: TestOrg;
  let as: string[];
  let publicUrl: string;

  beforeAll(async () => {
    publicUrl = `http://127.0.0.1:${await closedPort()}`;
    t = await startTestApp({ listen: true, env: { PUBLIC_WEBHOOK_URL: publicUrl } });
    org = await createOrg(t, 'Unreachable', ['Agent']);
    as = ['--url', t.url, '--key', org.key];
  });
  afterAll(() => t.close());

  it('doctor fails the webhook endpoint check and says to fix PUBLIC_WEBHOOK_URL', async () => {
    const res = await runCli(['doctor', '--org', org.orgId, '--json', ...as]);
    expect(res.code).toBe(1);
    const failed = res.json<{ checks: Check[] }>().checks.filter((c) => c.status === 'fail');
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ check: 'webhook endpoint', scope: 'platform' });
    expect(failed[0]!.detail).toContain(`cannot reach ${publicUrl}/api/webhooks/bolna/call-status`);
    expect(failed[0]!.fix).toMatch(/set PUBLIC_WEBHOOK_URL/);
  });

  it('webhooks test fails (exit 1) naming the URL it could not reach', async () => {
    const res = await runCli(['webhooks', 'test', '--org', org.orgId, ...as]);
    expect(res.code).toBe(1);
    expect(res.stdout).toMatch(new RegExp(`^FAIL: cannot reach ${publicUrl}/api/webhooks/bolna/call-status`));
    expect(res.stdout).toMatch(/check PUBLIC_WEBHOOK_URL/);
  });

  it('verify fails exactly the endpoint and delivery phases', async () => {
    const dir = await tempDir('verify-unreachable');
    try {
      const res = await runCli(['verify', '--org', org.orgId, '--json', '--report', 'r.json', ...as], {
        cwd: dir.dir,
      });
      expect(res.code).toBe(1);
      const [only] = res.json<VerifyReport>().organizations;
      expect(only!.phases.filter((p) => !p.ok).map((p) => p.id)).toEqual(['endpoint', 'delivery']);
    } finally {
      await dir.cleanup();
    }
  });
});
