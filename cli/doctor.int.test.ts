import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiKeyClient, startTestApp, type TestApp } from '../test/app.js';
import { testDbKind } from '../test/db.js';
import { createOrg, misrouteAgent, runCli, webhookAtBolna, type TestOrg } from './cli.testing.js';
import type { Check } from './commands/doctor.js';

const ADMIN_TOKEN = 'cli-admin-token-0123456789-abcdefghijklmnop';

interface DoctorJson {
  ok: boolean;
  checks: Check[];
}

describe(`automitra doctor and webhooks configure (${testDbKind()})`, { timeout: 60_000 }, () => {
  let t: TestApp;
  let org: TestOrg;
  let as: string[];
  /** The app's clock runs this far ahead of the real one (to make a live call look stale). */
  let clockAheadMs = 0;

  beforeAll(async () => {
    t = await startTestApp({
      listen: true,
      env: { ADMIN_TOKEN },
      now: () => new Date(Date.now() + clockAheadMs),
    });
    org = await createOrg(t, 'Acme', ['Receptionist', 'Sales']);
    as = ['--url', t.url, '--key', org.key];
  });
  afterAll(() => t.close());

  const failing = (res: DoctorJson) => res.checks.filter((c) => c.status === 'fail');

  it('passes on a healthy platform: every check listed, exit 0', async () => {
    const res = await runCli(['doctor', '--org', org.orgId, '--json', ...as]);
    expect(res.code).toBe(0);
    const body = res.json<DoctorJson>();
    expect(body.ok).toBe(true);
    expect(body.checks.map((c) => `${c.check}:${c.status}`)).toEqual([
      'server:ok',
      'database:ok',
      'bolna:ok',
      'webhook endpoint:ok',
      'agent webhooks:ok',
      'real-time:ok',
      'stuck calls:ok',
    ]);
    expect(body.checks.find((c) => c.check === 'database')?.detail).toMatch(/pglite|pg/);
    expect(body.checks.find((c) => c.check === 'real-time')?.detail).toMatch(/system:ping received/);

    const text = await runCli(['doctor', '--org', org.orgId, ...as]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/SCOPE\s+CHECK\s+RESULT\s+DETAIL/);
    expect(text.stdout).toContain('All 7 checks passed.');
  });

  it('catches an agent whose webhook URL at Bolna is wrong; configure fixes it, idempotently', async () => {
    const sales = org.agents[1]!;
    await misrouteAgent(t, sales.providerAgentId);

    const broken = await runCli(['doctor', '--org', org.orgId, ...as]);
    expect(broken.code).toBe(1);
    expect(broken.stdout).toMatch(/agent webhooks\s+FAIL\s+agent "Sales"/);
    expect(broken.stdout).toContain('https://wrong.example/hook');
    expect(broken.stdout).toContain(
      `FAIL Acme / agent webhooks: run \`automitra webhooks configure --org ${org.orgId}\``,
    );
    const brokenJson = (await runCli(['doctor', '--org', org.orgId, '--json', ...as])).json<DoctorJson>();
    expect(failing(brokenJson)).toHaveLength(1);
    expect(failing(brokenJson)[0]).toMatchObject({ check: 'agent webhooks', organizationId: org.orgId });

    // Its own --url is the public base, so the platform's goes before the command.
    const fixed = await runCli([...as, 'webhooks', 'configure', '--org', org.orgId, '--json']);
    expect(fixed.code).toBe(0);
    const expected = (await org.owner.get(`/api/orgs/${org.orgId}/webhook`)).json().url as string;
    const rows = fixed.json<{ organizations: { agents: Record<string, unknown>[] }[] }>().organizations[0]!
      .agents;
    expect(rows).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          name: 'Sales',
          before: 'https://wrong.example/hook',
          after: expected,
          changed: true,
        }),
        expect.objectContaining({ name: 'Receptionist', before: expected, after: expected, changed: false }),
      ]),
    );
    expect(await webhookAtBolna(t, sales.providerAgentId)).toBe(expected);

    const again = await runCli([...as, 'webhooks', 'configure', '--org', org.orgId]);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/AGENT\s+BEFORE\s+AFTER\s+CHANGED\s+ERROR/);
    expect(again.stdout).not.toMatch(/\byes\b/);
    expect(again.stdout).toContain('2 agents: 0 changed, 2 already right, 0 failed');
    // Tokens are shortened in tables.
    expect(again.stdout).not.toContain(expected);

    expect((await runCli(['doctor', '--org', org.orgId, ...as])).code).toBe(0);
  });

  it('configures with another public base URL, and --all needs ADMIN_TOKEN before the command', async () => {
    const other = await createOrg(t, 'Elsewhere', ['Router']);
    const res = await runCli([
      '--url',
      t.url,
      '--key',
      ADMIN_TOKEN,
      'webhooks',
      'configure',
      '--all',
      '--url',
      'https://calls.example.com',
      '--json',
    ]);
    expect(res.code).toBe(0);
    const body = res.json<{
      organizations: { id: string; agents: { after: string; changed: boolean }[] }[];
    }>();
    const moved = body.organizations.find((o) => o.id === other.orgId)!.agents[0]!;
    expect(moved.changed).toBe(true);
    expect(moved.after).toMatch(/^https:\/\/calls\.example\.com\/api\/webhooks\/bolna\/call-status\?token=/);

    // Doctor now sees every agent pointing elsewhere; configure without --url puts them back.
    const doctor = await runCli(['doctor', '--json', '--url', t.url, '--key', ADMIN_TOKEN]);
    expect(doctor.code).toBe(1);
    expect(failing(doctor.json<DoctorJson>()).map((c) => c.scope)).toEqual(
      expect.arrayContaining(['Acme', 'Elsewhere']),
    );
    const back = await runCli(['--url', t.url, '--key', ADMIN_TOKEN, 'webhooks', 'configure', '--all']);
    expect(back.code).toBe(0);
    expect(back.stdout).toMatch(/ORGANIZATION\s+AGENT\s+BEFORE/);
    const healthy = await runCli(['doctor', '--url', t.url, '--key', ADMIN_TOKEN]);
    expect(healthy.stdout).toContain('All ');
    expect(healthy.code).toBe(0);
  });

  it('reports Bolna unreachable (exit 1) with what to do when Bolna is down', async () => {
    t.simulator.setKnobs({ apiErrorRate: 1 });
    try {
      const res = await runCli(['doctor', '--org', org.orgId, ...as]);
      expect(res.code).toBe(1);
      expect(res.stdout).toMatch(/platform\s+bolna\s+FAIL\s+Bolna .*unreachable/);
      expect(res.stdout).toMatch(/agent webhooks\s+skip\s+not checked: Bolna is unreachable/);
      expect(res.stdout).toMatch(/FAIL platform \/ bolna: check BOLNA_BASE_URL and BOLNA_API_KEY/);
      const json = (await runCli(['doctor', '--org', org.orgId, '--json', ...as])).json<DoctorJson>();
      expect(json.ok).toBe(false);
      expect(failing(json).map((c) => c.check)).toEqual(['bolna']);
    } finally {
      t.simulator.setKnobs({ apiErrorRate: 0 });
    }
  });

  it('needs an admin key: a member key is told its role (exit 3)', async () => {
    const { key } = await apiKeyClient(t.app, org.owner, org.orgId, 'member');
    const res = await runCli(['doctor', '--org', org.orgId, '--url', t.url, '--key', key]);
    expect(res.code).toBe(3);
    expect(res.stderr).toMatch(/needs the admin role; you are member/);
  });

  it('reports calls stuck per status with the reap-stale fix, and passes once they are reaped', async () => {
    // A slow simulator keeps the call in progress; a clock two hours ahead makes it stale.
    t.simulator.setKnobs({ timeScale: 5 });
    try {
      const placed = await org.owner.post(`/api/orgs/${org.orgId}/calls`, {
        agentId: org.agents[0]!.id,
        toNumber: '+14155550199',
      });
      expect(placed.statusCode).toBe(201);
      clockAheadMs = 2 * 3_600_000;

      const res = await runCli(['doctor', '--org', org.orgId, ...as]);
      expect(res.code).toBe(1);
      expect(res.stdout).toMatch(
        /stuck calls\s+FAIL\s+1 calls not final after 60 min \((queued|initiated|ringing|in_progress): 1\)/,
      );
      expect(res.stdout).toContain(
        `FAIL Acme / stuck calls: run \`automitra calls reap-stale --org ${org.orgId}\``,
      );

      const reaped = await runCli(['calls', 'reap-stale', '--org', org.orgId, '--json', ...as]);
      expect(reaped.code).toBe(0);
      expect(reaped.json()).toMatchObject({
        checked: 1,
        failed: 1,
        calls: [{ id: placed.json().id, after: 'failed' }],
      });
      expect((await runCli(['doctor', '--org', org.orgId, ...as])).code).toBe(0);
    } finally {
      clockAheadMs = 0;
      t.simulator.setKnobs({ timeScale: 0.01 });
    }
  });
});
