import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiKeyClient, startTestApp, type TestApp } from '../test/app.js';
import { testDbKind } from '../test/db.js';
import { closedPort, createOrg, runCli, seedHistory, tempDir, type TestOrg } from './cli.testing.js';

const ADMIN_TOKEN = 'cli-admin-token-0123456789-abcdefghijklmnop';
const UNKNOWN_ORG = '00000000-0000-4000-8000-000000000000';

describe(`automitra commands (${testDbKind()})`, { timeout: 60_000 }, () => {
  let t: TestApp;
  let org: TestOrg;
  let home: { dir: string; cleanup: () => Promise<void> };
  /** `--url` and `--key` of the org's admin key. */
  let as: string[];
  let asAdmin: string[];

  beforeAll(async () => {
    t = await startTestApp({ listen: true, env: { ADMIN_TOKEN } });
    org = await createOrg(t, 'Acme', ['Receptionist', 'Sales']);
    home = await tempDir('home');
    as = ['--url', t.url, '--key', org.key];
    asAdmin = ['--url', t.url, '--key', ADMIN_TOKEN];
  });
  afterAll(async () => {
    await t.close();
    await home.cleanup();
  });

  describe('connection, keys and organizations', () => {
    it('documents the exit codes and the connection in --help, and every command has an example', async () => {
      const root = await runCli(['--help']);
      expect(root.code).toBe(0);
      expect(root.stdout).toMatch(/Exit codes:\n\s+0\s+ok/);
      expect(root.stdout).toMatch(/3\s+the platform could not be used/);
      expect(root.stdout).toContain('AUTOMITRA_API_KEY');
      for (const cmd of [
        ['login'],
        ['orgs', 'list'],
        ['calls', 'export'],
        ['calls', 'sync'],
        ['calls', 'reap-stale'],
        ['webhooks', 'configure'],
        ['webhooks', 'test'],
        ['agents', 'sync'],
        ['doctor'],
        ['verify'],
      ]) {
        const help = await runCli([...cmd, '--help']);
        expect(help.code, cmd.join(' ')).toBe(0);
        expect(help.stdout, cmd.join(' ')).toMatch(/Examples?:\n\s+\$ automitra /);
        expect(help.stdout, cmd.join(' ')).toContain('--json');
      }
    });

    it('exits 2 on usage errors: unknown command, missing --org, bad duration or date', async () => {
      expect((await runCli(['frobnicate'])).code).toBe(2);
      const missing = await runCli(['calls', 'export', ...as]);
      expect(missing.code).toBe(2);
      expect(missing.stderr).toMatch(/--org/);
      const neither = await runCli(['agents', 'sync', ...as]);
      expect(neither.code).toBe(2);
      expect(neither.stderr).toMatch(/--org <id>.*--all/);
      const duration = await runCli([
        'calls',
        'reap-stale',
        '--org',
        org.orgId,
        '--older-than',
        'soon',
        ...as,
      ]);
      expect(duration.code).toBe(2);
      expect(duration.stderr).toMatch(/not a duration/);
      const date = await runCli(['calls', 'export', '--org', org.orgId, '--from', 'last tuesday', ...as]);
      expect(date.code).toBe(2);
      expect(date.stderr).toMatch(/not a date/);
      const noKey = await runCli(['orgs', 'list', '--url', t.url]);
      expect(noKey.code).toBe(2);
      expect(noKey.stderr).toMatch(/no API key/);
    });

    it('exits 3 with "cannot reach" for a wrong URL, and says the key was refused for a bad key', async () => {
      const closedUrl = `http://127.0.0.1:${await closedPort()}`;
      const closed = await runCli(['doctor', '--url', closedUrl, '--key', org.key]);
      expect(closed.code).toBe(3);
      expect(closed.stderr).toContain(`cannot reach ${closedUrl}: is the platform running`);
      expect(closed.stderr).toContain('ECONNREFUSED');

      const badKey = await runCli(['orgs', 'list', '--url', t.url, '--key', 'amk_not_a_real_key_0000000000']);
      expect(badKey.code).toBe(3);
      expect(badKey.stderr).toMatch(/the API key was refused/);
      expect(badKey.stderr).toMatch(/--key/);
    });

    it('exits 3 with "unknown organization" for an id the key cannot see, another org included', async () => {
      const other = await createOrg(t, 'Other', []);
      for (const id of [UNKNOWN_ORG, other.orgId, 'not-a-uuid']) {
        for (const argv of [
          ['calls', 'sync', '--org', id],
          ['calls', 'export', '--org', id],
          ['webhooks', 'test', '--org', id],
        ]) {
          const res = await runCli([...argv, ...as]);
          expect(res.code, argv.join(' ')).toBe(3);
          expect(res.stderr, argv.join(' ')).toContain(`unknown organization ${id}`);
        }
      }
    });

    it('asks for ADMIN_TOKEN when an organization key is used for --all or without --org', async () => {
      for (const argv of [
        [...as, 'agents', 'sync', '--all'],
        // `webhooks configure` has its own --url (the public base): the platform's goes before.
        [...as, 'webhooks', 'configure', '--all', '--url', 'https://calls.example.com'],
        ['calls', 'reap-stale', ...as],
        ['verify', '--all', '--report', path.join(home.dir, 'denied.json'), ...as],
      ]) {
        const res = await runCli(argv);
        expect(res.code, argv.join(' ')).toBe(3);
        expect(res.stderr, argv.join(' ')).toMatch(/needs the platform admin token.*ADMIN_TOKEN/);
      }
    });

    it('login checks the URL and key before saving them (0600), and later runs use them', async () => {
      const env = { XDG_CONFIG_HOME: path.join(home.dir, 'xdg') };
      const file = path.join(home.dir, 'xdg', 'automitra', 'config.json');

      const wrong = await runCli(['login', '--url', 'http://127.0.0.1:9', '--key', org.key], {
        home: home.dir,
        env,
      });
      expect(wrong.code).toBe(3);
      const refused = await runCli(['login', '--url', t.url, '--key', 'amk_wrong_000000000000000000'], {
        home: home.dir,
        env,
      });
      expect(refused.code).toBe(3);
      await expect(stat(file)).rejects.toThrow(/ENOENT/);

      const ok = await runCli(['login', '--url', `${t.url}/`, '--key', org.key, '--json'], {
        home: home.dir,
        env,
      });
      expect(ok.code).toBe(0);
      expect(ok.json()).toMatchObject({
        url: t.url,
        configPath: file,
        admin: false,
        organizations: [{ id: org.orgId, name: 'Acme' }],
      });
      expect((await stat(file)).mode & 0o777).toBe(0o600);
      expect(JSON.parse(await readFile(file, 'utf8'))).toEqual({ url: t.url, key: org.key });

      const listed = await runCli(['orgs', 'list'], { home: home.dir, env });
      expect(listed.code).toBe(0);
      expect(listed.stdout).toContain(org.orgId);

      // The environment wins over the file, and a flag over the environment.
      const envWins = await runCli(['orgs', 'list'], {
        home: home.dir,
        env: { ...env, AUTOMITRA_API_KEY: 'amk_wrong_000000000000000000' },
      });
      expect(envWins.code).toBe(3);
      expect(envWins.stderr).toContain('AUTOMITRA_API_KEY');
      const flagWins = await runCli(['orgs', 'list', '--key', ADMIN_TOKEN], {
        home: home.dir,
        env: { ...env, AUTOMITRA_API_KEY: 'amk_wrong_000000000000000000' },
      });
      expect(flagWins.code).toBe(0);
      expect(flagWins.stdout).toContain('Other');

      // Without XDG_CONFIG_HOME the file lives in ~/.config.
      const plain = await runCli(['login', '--url', t.url, '--key', ADMIN_TOKEN, '--json'], {
        home: home.dir,
        env: { XDG_CONFIG_HOME: '' },
      });
      expect(plain.json()).toMatchObject({
        admin: true,
        configPath: path.join(home.dir, '.config', 'automitra', 'config.json'),
      });
    });
  });

  describe('agents sync', () => {
    it('pushes every agent of one organization, or of all with ADMIN_TOKEN', async () => {
      const one = await runCli(['agents', 'sync', '--org', org.orgId, ...as]);
      expect(one.code).toBe(0);
      expect(one.stdout).toMatch(/Receptionist\s+synced/);
      expect(one.stdout).toContain('2 agents: 2 synced, 0 not synced');

      const all = await runCli(['agents', 'sync', '--all', '--json', ...asAdmin]);
      expect(all.code).toBe(0);
      const body = all.json<{
        ok: boolean;
        organizations: { id: string; agents: { syncStatus: string }[] }[];
      }>();
      expect(body.ok).toBe(true);
      expect(body.organizations.find((o) => o.id === org.orgId)?.agents).toHaveLength(2);
    });

    it('reports the agents that failed and exits 1 while Bolna is down', async () => {
      t.simulator.setKnobs({ apiErrorRate: 1 });
      try {
        const res = await runCli(['agents', 'sync', '--org', org.orgId, ...as]);
        expect(res.code).toBe(1);
        expect(res.stdout).toMatch(/Receptionist\s+pending\s+\S/);
        expect(res.stdout).toContain('0 synced, 2 not synced');
      } finally {
        t.simulator.setKnobs({ apiErrorRate: 0 });
      }
      expect((await runCli(['agents', 'sync', '--org', org.orgId, ...as])).code).toBe(0);
    });
  });

  describe('calls sync and reap-stale', () => {
    it('pulls executions from Bolna and prints created, updated and unchanged', async () => {
      const fresh = await createOrg(t, 'History', ['Archivist']);
      await seedHistory(t, fresh.agents[0]!.providerAgentId, 7);
      const flags = ['--url', t.url, '--key', fresh.key];
      const first = await runCli([
        'calls',
        'sync',
        '--org',
        fresh.orgId,
        '--since',
        '3d',
        '--json',
        ...flags,
      ]);
      expect(first.code).toBe(0);
      expect(first.json()).toMatchObject({
        ok: true,
        agents: 1,
        created: 7,
        updated: 0,
        unchanged: 0,
        failed: 0,
      });
      const again = await runCli(['calls', 'sync', '--org', fresh.orgId, ...flags]);
      expect(again.code).toBe(0);
      expect(again.stdout).toMatch(/AGENTS\s+CREATED\s+UPDATED\s+UNCHANGED\s+FAILED\n\s+1\s+0\s+0\s+7\s+0/);
      const listed = await fresh.owner.get(`/api/orgs/${fresh.orgId}/calls?limit=50`);
      expect(listed.json().data).toHaveLength(7);
    });

    it('reconciles a stuck call: dry run first, then for real; platform-wide with ADMIN_TOKEN', async () => {
      const stuck = await createOrg(t, 'Stuck', ['Slowpoke']);
      // Slow the simulator down so the call stays in progress for the whole test.
      t.simulator.setKnobs({ timeScale: 5 });
      let callId: string;
      try {
        const placed = await stuck.owner.post(`/api/orgs/${stuck.orgId}/calls`, {
          agentId: stuck.agents[0]!.id,
          toNumber: '+14155550123',
        });
        expect(placed.statusCode).toBe(201);
        callId = placed.json().id;
        await new Promise((r) => setTimeout(r, 1_200));
        const flags = ['--url', t.url, '--key', stuck.key];

        const dry = await runCli([
          'calls',
          'reap-stale',
          '--org',
          stuck.orgId,
          '--older-than',
          '1s',
          '--dry-run',
          '--json',
          ...flags,
        ]);
        expect(dry.code).toBe(0);
        expect(dry.json()).toMatchObject({ dryRun: true, checked: 1, failed: 1 });
        expect((await stuck.owner.get(`/api/orgs/${stuck.orgId}/calls/${callId}`)).json().status).not.toBe(
          'failed',
        );

        const real = await runCli([
          'calls',
          'reap-stale',
          '--org',
          stuck.orgId,
          '--older-than',
          '1s',
          ...flags,
        ]);
        expect(real.code).toBe(0);
        expect(real.stdout).toMatch(/1 stuck calls checked: 0 resolved from Bolna, 1 marked failed/);
        expect(real.stdout).toContain(callId);
        expect(real.stdout).toMatch(/Bolna still reports/);
        const after = (await stuck.owner.get(`/api/orgs/${stuck.orgId}/calls/${callId}`)).json();
        expect(after.status).toBe('failed');
        expect(after.errorMessage).toMatch(/no final status from provider/);
      } finally {
        t.simulator.setKnobs({ timeScale: 0.01 });
      }

      const platform = await runCli([
        'calls',
        'reap-stale',
        '--older-than',
        '1d',
        '--dry-run',
        '--json',
        ...asAdmin,
      ]);
      expect(platform.code).toBe(0);
      expect(platform.json()).toMatchObject({ organizationId: null, dryRun: true, checked: 0 });
    });
  });

  describe('webhooks test', () => {
    it('sends a delivery through the public webhook URL and reads it back from the event log', async () => {
      const res = await runCli(['webhooks', 'test', '--org', org.orgId, '--json', ...as]);
      expect(res.code).toBe(0);
      const body = res.json<Record<string, unknown>>();
      expect(body).toMatchObject({ ok: true, httpStatus: 202, verdict: 'orphan' });
      expect(body.executionId).toMatch(/^webhook-test-/);
      expect(body.roundTripMs).toEqual(expect.any(Number));
      // The token never leaves in full.
      expect(String(body.url)).toMatch(/token=.{4}…$/);
      const event = await org.owner.get(`/api/orgs/${org.orgId}/webhook-events/${String(body.eventId)}`);
      expect(event.json()).toMatchObject({ verdict: 'orphan', source: 'webhook' });

      const text = await runCli(['webhooks', 'test', '--org', org.orgId, ...as]);
      expect(text.code).toBe(0);
      expect(text.stdout).toMatch(
        /^ok: test delivery webhook-test-\S+ delivered to .*202 in \d+ ms.*round trip \d+ ms/,
      );
    });

    it('tells a viewer key which role it lacks (exit 3)', async () => {
      const viewer = await apiKeyClient(t.app, org.owner, org.orgId, 'viewer');
      const res = await runCli(['webhooks', 'test', '--org', org.orgId, '--url', t.url, '--key', viewer.key]);
      expect(res.code).toBe(3);
      expect(res.stderr).toMatch(/not allowed: This action needs the admin role; you are viewer/);
    });
  });
});
