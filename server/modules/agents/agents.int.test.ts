import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addMember, expectError, signUp, startTestApp, type TestApp } from '../../../test/app.js';
import { testDbKind } from '../../../test/db.js';
import { waitUntil } from '../../../test/wait.js';

describe(`agents (${testDbKind()})`, { timeout: 45_000 }, () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  type RemoteAgent = {
    agent_name?: string;
    webhook_url?: string;
    agent_config?: { agent_name?: string; webhook_url?: string };
  };
  const remoteAgent = (id: string) =>
    fetch(`${t.simulator.url}/v2/agent/${id}`, {
      headers: { authorization: `Bearer ${t.simulator.apiKey}` },
    });
  const remoteJson = async (id: string) => (await (await remoteAgent(id)).json()) as RemoteAgent;

  it('creates an agent at Bolna with the organization webhook URL', async () => {
    const { client, orgId } = await signUp(t.app);
    const res = await client.post(`/api/orgs/${orgId}/agents`, {
      name: 'Sales assistant',
      welcomeMessage: 'Hello from Acme!',
      systemPrompt: 'You sell widgets.',
      language: 'en',
      fromNumber: '+14155550100',
    });
    expect(res.statusCode).toBe(201);
    const agent = res.json();
    const { url } = (await client.get(`/api/orgs/${orgId}/webhook`)).json();
    expect(agent).toMatchObject({
      name: 'Sales assistant',
      syncStatus: 'synced',
      syncError: null,
      webhookUrl: url,
      webhookOk: true,
      fromNumber: '+14155550100',
    });
    expect(agent.providerAgentId).toEqual(expect.any(String));
    const remote = await remoteJson(agent.providerAgentId);
    expect(remote.agent_name ?? remote.agent_config?.agent_name).toBe('Sales assistant');
    expect(remote.agent_config?.webhook_url ?? remote.webhook_url).toBe(url);
    expect(url).toMatch(/\/api\/webhooks\/bolna\/call-status\?token=/);
  });

  it('pushes edits, syncs on demand, and deletes at Bolna too', async () => {
    const { client, orgId } = await signUp(t.app);
    const agent = (await client.post(`/api/orgs/${orgId}/agents`, { name: 'Before' })).json();
    const edited = await client.patch(`/api/orgs/${orgId}/agents/${agent.id}`, {
      name: 'After',
      voice: 'Kajal',
    });
    expect(edited.json()).toMatchObject({ name: 'After', voice: 'Kajal', syncStatus: 'synced' });
    const remote = await remoteJson(agent.providerAgentId);
    expect(remote.agent_name ?? remote.agent_config?.agent_name).toBe('After');

    expect((await client.post(`/api/orgs/${orgId}/agents/${agent.id}/sync`)).json().syncStatus).toBe(
      'synced',
    );
    expect((await client.get(`/api/orgs/${orgId}/agents`)).json().data).toHaveLength(1);

    expect((await client.delete(`/api/orgs/${orgId}/agents/${agent.id}`)).statusCode).toBe(204);
    expect((await remoteAgent(agent.providerAgentId)).status).toBe(404);
    expectError(await client.get(`/api/orgs/${orgId}/agents/${agent.id}`), 404);
    expect((await client.get(`/api/orgs/${orgId}/agents`)).json().data).toEqual([]);
  });

  it('keeps an agent pending through a Bolna outage and finishes the sync when Bolna is back', async () => {
    const { client, orgId } = await signUp(t.app);
    t.simulator.setKnobs({ apiErrorRate: 1 });
    try {
      const res = await client.post(`/api/orgs/${orgId}/agents`, { name: 'Patient agent' });
      expect(res.statusCode).toBe(201);
      expect(res.json()).toMatchObject({ syncStatus: 'pending', providerAgentId: null });
      expect(res.json().syncError).toMatch(/Bolna could not be reached/);
    } finally {
      t.simulator.setKnobs({ apiErrorRate: 0 });
    }
    const id = (await client.get(`/api/orgs/${orgId}/agents`)).json().data[0].id;
    await waitUntil(
      async () => (await client.get(`/api/orgs/${orgId}/agents/${id}`)).json().syncStatus === 'synced',
      30_000,
    );
    const agent = (await client.get(`/api/orgs/${orgId}/agents/${id}`)).json();
    expect(agent.webhookOk).toBe(true);
    // A create whose answer was lost is adopted, not duplicated.
    const list = await fetch(`${t.simulator.url}/v2/agent/all`, {
      headers: { authorization: `Bearer ${t.simulator.apiKey}` },
    });
    const all = (await list.json()) as RemoteAgent[];
    expect(all.filter((a: { agent_name?: string }) => a.agent_name === 'Patient agent')).toHaveLength(1);
  });

  it('re-syncs every agent with the new URL when the webhook token rotates', async () => {
    const { client, orgId } = await signUp(t.app);
    const agent = (await client.post(`/api/orgs/${orgId}/agents`, { name: 'Rotating' })).json();
    const { url } = (await client.post(`/api/orgs/${orgId}/webhook/rotate`)).json();
    await waitUntil(
      async () => (await client.get(`/api/orgs/${orgId}/agents/${agent.id}`)).json().webhookUrl === url,
      30_000,
    );
    const remote = await remoteJson(agent.providerAgentId);
    expect(remote.agent_config?.webhook_url ?? remote.webhook_url).toBe(url);
  });

  it('lets viewers read but not write, and names bad fields', async () => {
    const { client, orgId } = await signUp(t.app);
    const viewer = await addMember(t.app, client, orgId, 'viewer');
    expect((await viewer.client.get(`/api/orgs/${orgId}/agents`)).statusCode).toBe(200);
    expectError(await viewer.client.post(`/api/orgs/${orgId}/agents`, { name: 'x' }), 403);
    const bad = expectError(
      await client.post(`/api/orgs/${orgId}/agents`, { name: '', fromNumber: '0044' }),
      400,
    );
    expect(JSON.stringify(bad)).toContain('fromNumber');
    expect(JSON.stringify(bad)).toContain('E.164');
  });
});
