import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, apiKeyClient, expectError, signUp, startTestApp, type TestApp } from '../../../test/app.js';
import { isTerminalStatus } from '../../../common/call-status.js';
import { testDbKind } from '../../../test/db.js';
import { connectSocket } from '../../../test/realtime.js';
import { waitUntil } from '../../../test/wait.js';
import { csvField } from './export.js';

const ADMIN_TOKEN = 'platform-admin-token-0123456789-abcdefghij';

describe(`operator endpoints (${testDbKind()})`, { timeout: 60_000 }, () => {
  let t: TestApp;
  let admin: Client;
  beforeAll(async () => {
    t = await startTestApp({
      listen: true,
      env: { ADMIN_TOKEN },
      simulator: { completedDelayMs: 1_000, outcomes: { completed: 1 } },
    });
    admin = new Client(t.app, { apiKey: ADMIN_TOKEN });
  });
  afterAll(() => t.close());

  const sim = (path: string, init: RequestInit = {}) =>
    fetch(`${t.simulator.url}${path}`, {
      ...init,
      headers: { authorization: `Bearer ${t.simulator.apiKey}`, 'content-type': 'application/json' },
    });

  it('lets only the ADMIN_TOKEN use platform-wide routes, and act as admin in any organization', async () => {
    const { client, orgId } = await signUp(t.app, { organizationName: 'Listed' });
    const key = await apiKeyClient(t.app, client, orgId);
    const orgs = (await admin.get('/api/admin/orgs')).json().data;
    expect(orgs.map((o: { id: string }) => o.id)).toContain(orgId);
    expectError(await key.client.get('/api/admin/orgs'), 403);
    expectError(await client.get('/api/admin/orgs'), 403);
    expectError(await new Client(t.app).get('/api/admin/orgs'), 401);
    expectError(
      await new Client(t.app, { apiKey: ADMIN_TOKEN.slice(0, -1) + 'x' }).get('/api/admin/orgs'),
      401,
    );
    expect((await admin.get(`/api/orgs/${orgId}/webhook`)).statusCode).toBe(200);
    expectError(
      await admin.patch(`/api/orgs/${orgId}/members/${(await client.get('/api/auth/me')).json().user.id}`, {
        role: 'viewer',
      }),
      403,
    );
    expectError(await admin.get('/api/orgs/00000000-0000-4000-8000-000000000000'), 404);
  });

  it('finds and fixes an agent whose Bolna webhook points elsewhere, idempotently', async () => {
    const { client, orgId } = await signUp(t.app);
    const agent = (await client.post(`/api/orgs/${orgId}/agents`, { name: 'Misrouted' })).json();
    await sim(`/v2/agent/${agent.providerAgentId}`, {
      method: 'PATCH',
      body: JSON.stringify({ agent_config: { webhook_url: 'https://wrong.example/hook' } }),
    });
    const broken = (await client.get(`/api/orgs/${orgId}/diagnostics`)).json();
    expect(broken.bolna.reachable).toBe(true);
    expect(broken.agents).toEqual([
      expect.objectContaining({
        name: 'Misrouted',
        ok: false,
        bolnaWebhookUrl: 'https://wrong.example/hook',
      }),
    ]);
    expect((await client.get(`/api/orgs/${orgId}/agents/${agent.id}`)).json().webhookOk).toBe(false);

    const fixed = (await client.post(`/api/orgs/${orgId}/agents/webhooks/configure`)).json().data;
    expect(fixed).toEqual([
      expect.objectContaining({ before: 'https://wrong.example/hook', changed: true, error: null }),
    ]);
    expect(fixed[0].after).toBe(broken.expectedWebhookUrl);
    const again = (await client.post(`/api/orgs/${orgId}/agents/webhooks/configure`)).json().data;
    expect(again[0]).toMatchObject({ changed: false, before: broken.expectedWebhookUrl });
    expect((await client.get(`/api/orgs/${orgId}/diagnostics`)).json().agents[0].ok).toBe(true);
  });

  it('reports Bolna unreachable', async () => {
    const { client, orgId } = await signUp(t.app);
    t.simulator.setKnobs({ apiErrorRate: 1 });
    try {
      const report = (await client.get(`/api/orgs/${orgId}/diagnostics`)).json();
      expect(report.bolna).toMatchObject({ reachable: false, error: expect.stringMatching(/Bolna/) });
    } finally {
      t.simulator.setKnobs({ apiErrorRate: 0 });
    }
  });

  it('pulls calls made behind our back from Bolna through the merge', async () => {
    const { client, orgId } = await signUp(t.app);
    const agent = (await client.post(`/api/orgs/${orgId}/agents`, { name: 'Dashboard caller' })).json();
    // Calls placed from Bolna's own dashboard, with their webhooks lost.
    t.simulator.setKnobs({ webhookDropRate: 1 });
    for (let i = 0; i < 3; i++) {
      await sim('/call', {
        method: 'POST',
        body: JSON.stringify({ agent_id: agent.providerAgentId, recipient_phone_number: `+9198765000${i}0` }),
      });
    }
    await t.simulator.waitForIdle(15_000);
    t.simulator.setKnobs({ webhookDropRate: 0 });
    const first = (await client.post(`/api/orgs/${orgId}/calls/sync`, {})).json();
    expect(first).toMatchObject({ agents: 1, created: 3, failed: 0 });
    const second = (await client.post(`/api/orgs/${orgId}/calls/sync`, {})).json();
    expect(second).toMatchObject({ created: 0, updated: 0, unchanged: 3 });
    const calls = (await client.get(`/api/orgs/${orgId}/calls`)).json().data;
    expect(calls).toHaveLength(3);
    expect(calls.every((c: { status: string }) => c.status === 'completed')).toBe(true);
  });

  it('streams the history as CSV and JSON with the row count up front', async () => {
    const { client, orgId } = await signUp(t.app);
    const agent = (await client.post(`/api/orgs/${orgId}/agents`, { name: 'Exporter' })).json();
    for (let i = 0; i < 3; i++) {
      await client.post(`/api/orgs/${orgId}/calls`, { agentId: agent.id, toNumber: `+9198765001${i}0` });
    }
    const calls = (await client.get(`/api/orgs/${orgId}/calls`)).json().data;
    const csv = await client.get(`/api/orgs/${orgId}/calls/export?format=csv`);
    expect(csv.headers['x-total-count']).toBe('3');
    expect(csv.headers['content-type']).toContain('text/csv');
    const lines = csv.body.trim().split('\r\n');
    expect(lines[0]).toMatch(/^id,created_at,agent_id,/);
    expect(lines.slice(1).map((l) => l.split(',')[0])).toEqual(calls.map((c: { id: string }) => c.id));
    const json = await client.get(
      `/api/orgs/${orgId}/calls/export?format=json&status=initiated,ringing,in_progress,call_disconnected,completed`,
    );
    expect(JSON.parse(json.body).map((c: { id: string }) => c.id)).toEqual(
      calls.map((c: { id: string }) => c.id),
    );
    const none = await client.get(`/api/orgs/${orgId}/calls/export?format=json&status=busy`);
    expect(JSON.parse(none.body)).toEqual([]);
  });

  it('escapes CSV fields and neutralises spreadsheet formulas', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"\nbye')).toBe('"say ""hi""\nbye"');
    expect(csvField('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvField('+919876543210')).toBe('+919876543210');
    expect(csvField(null)).toBe('');
  });

  it('pings the sockets of the organization', async () => {
    const { client, orgId } = await signUp(t.app);
    const key = await apiKeyClient(t.app, client, orgId);
    const socket = await connectSocket(t.url, { apiKey: key.key });
    const adminSocket = await connectSocket(t.url, { apiKey: ADMIN_TOKEN });
    try {
      expect(await adminSocket.socket.emitWithAck('subscribe', { orgId })).toEqual({
        ok: true,
        organizationIds: [orgId],
      });
      const got: string[] = [];
      const adminGot: string[] = [];
      socket.socket.on('system:ping', ({ nonce }) => got.push(nonce));
      adminSocket.socket.on('system:ping', ({ nonce }) => adminGot.push(nonce));
      const { nonce } = (await key.client.post(`/api/orgs/${orgId}/realtime/ping`)).json();
      await waitUntil(() => got.includes(nonce) && adminGot.includes(nonce));
    } finally {
      socket.close();
      adminSocket.close();
    }
  });

  it('reaps stale calls on demand, dry run first', async () => {
    const { client, orgId } = await signUp(t.app);
    const agent = (await client.post(`/api/orgs/${orgId}/agents`, { name: 'Reaper' })).json();
    const call = (
      await client.post(`/api/orgs/${orgId}/calls`, { agentId: agent.id, toNumber: '+919876500200' })
    ).json();
    // Once the simulator is done with the call (no webhook can move it any more), it is made stale:
    // three hours old, still ringing, with no execution id to ask Bolna about.
    await waitUntil(
      async () => isTerminalStatus((await client.get(`/api/orgs/${orgId}/calls/${call.id}`)).json().status),
      15_000,
    );
    await t.testDb.database.withSession((s) =>
      s.query(
        "UPDATE calls SET created_at = now() - interval '3 hours', provider_call_id = NULL, status = 'ringing' WHERE id = $1",
        [call.id],
      ),
    );
    const dry = (
      await client.post(`/api/orgs/${orgId}/calls/reap-stale`, { olderThanMinutes: 60, dryRun: true })
    ).json();
    expect(dry).toMatchObject({ checked: 1, failed: 1 });
    expect((await client.get(`/api/orgs/${orgId}/calls/${call.id}`)).json().status).toBe('ringing');
    const real = (await admin.post('/api/admin/calls/reap-stale', { olderThanMinutes: 60 })).json();
    expect(real.calls.find((c: { id: string }) => c.id === call.id)).toMatchObject({ after: 'failed' });
    expect((await client.get(`/api/orgs/${orgId}/calls/${call.id}`)).json().status).toBe('failed');
  });
});
