import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWebhookSink, type WebhookSink } from '../../../simulator/webhook-sink.js';
import { addMember, expectError, signUp, startTestApp, type TestApp } from '../../../test/app.js';
import { testDbKind } from '../../../test/db.js';

describe(`calls (${testDbKind()})`, { timeout: 45_000 }, () => {
  let t: TestApp;
  let sink: WebhookSink;
  beforeAll(async () => {
    sink = await startWebhookSink('');
    t = await startTestApp({ env: { PUBLIC_WEBHOOK_URL: sink.url }, simulator: { completedDelayMs: 2_000 } });
  });
  afterAll(async () => {
    await t.close();
    await sink.close();
  });

  async function orgWithAgent() {
    const owner = await signUp(t.app);
    const agent = (
      await owner.client.post(`/api/orgs/${owner.orgId}/agents`, {
        name: 'Caller',
        fromNumber: '+14155550100',
      })
    ).json();
    return { ...owner, agent };
  }

  it('creates the call, places it at Bolna, and Bolna-shaped webhooks reach our URL', async () => {
    const { client, orgId, agent } = await orgWithAgent();
    const res = await client.post(`/api/orgs/${orgId}/calls`, {
      agentId: agent.id,
      toNumber: '+919876543210',
      userData: { customer: 'Ravi' },
    });
    expect(res.statusCode).toBe(201);
    const call = res.json();
    expect(call).toMatchObject({
      organizationId: orgId,
      agentId: agent.id,
      provider: 'bolna',
      direction: 'outbound',
      status: 'initiated',
      toNumber: '+919876543210',
      fromNumber: '+14155550100',
      duration: null,
      totalCostCents: null,
      version: 2,
    });
    expect(call.providerCallId).toEqual(expect.any(String));
    expect(call.metadata.userData).toEqual({ customer: 'Ravi' });

    const execution = t.simulator.execution(call.providerCallId)!;
    expect(execution).toBeTruthy();
    const context = execution.context_details as {
      recipient_phone_number: string;
      recipient_data: Record<string, unknown>;
    };
    expect(context.recipient_phone_number).toBe('+919876543210');
    expect(context.recipient_data).toMatchObject({ customer: 'Ravi', automitra_call_id: call.id });

    const { token } = (await client.get(`/api/orgs/${orgId}/webhook`)).json();
    await sink.waitFor((r) => r.some((h) => (h.body as { id?: string }).id === call.providerCallId), 20_000);
    const hook = sink.received.find((h) => (h.body as { id?: string }).id === call.providerCallId)!;
    expect(hook.path).toBe(`/api/webhooks/bolna/call-status?token=${token}`);
    expect(hook.body).toMatchObject({ id: call.providerCallId, agent_id: agent.providerAgentId });
  });

  it('validates numbers as E.164 before anything is sent to Bolna', async () => {
    const { client, orgId, agent } = await orgWithAgent();
    const before = t.simulator.requests().length;
    const res = expectError(
      await client.post(`/api/orgs/${orgId}/calls`, { agentId: agent.id, toNumber: '9876543210' }),
      400,
    );
    expect(res.message).toContain('toNumber');
    expect(res.message).toContain('E.164');
    expectError(
      await client.post(`/api/orgs/${orgId}/calls`, {
        agentId: agent.id,
        toNumber: '+919876543210',
        fromNumber: 'abc',
      }),
      400,
    );
    expect(t.simulator.requests().length).toBe(before);
    expect((await client.get(`/api/orgs/${orgId}/calls`)).json().data).toEqual([]);
  });

  it("marks the call failed with Bolna's reason when Bolna refuses it", async () => {
    const { client, orgId, agent } = await orgWithAgent();
    // Bolna lost the agent behind our back: it answers 404 to the call.
    await fetch(`${t.simulator.url}/v2/agent/${agent.providerAgentId}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${t.simulator.apiKey}` },
    });
    const res = await client.post(`/api/orgs/${orgId}/calls`, {
      agentId: agent.id,
      toNumber: '+919876543210',
    });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({ status: 'failed', providerCallId: null });
    expect(res.json().errorMessage).toMatch(/Bolna/);
    expect(res.json().endedAt).not.toBeNull();
  });

  it('refuses a call through an agent that is not on Bolna, or of another organization', async () => {
    const { client, orgId } = await orgWithAgent();
    const other = await orgWithAgent();
    expectError(
      await client.post(`/api/orgs/${orgId}/calls`, { agentId: other.agent.id, toNumber: '+919876543210' }),
      400,
    );
    t.simulator.setKnobs({ apiErrorRate: 1 });
    const pending = (await client.post(`/api/orgs/${orgId}/agents`, { name: 'Not yet' })).json();
    t.simulator.setKnobs({ apiErrorRate: 0 });
    expectError(
      await client.post(`/api/orgs/${orgId}/calls`, { agentId: pending.id, toNumber: '+919876543210' }),
      409,
      'conflict',
    );
  });

  it('gets calls through while a third of Bolna requests fail, without placing any twice', async () => {
    const { client, orgId, agent } = await orgWithAgent();
    t.simulator.setKnobs({ apiErrorRate: 0.3 });
    try {
      const results = [];
      for (let i = 0; i < 8; i++) {
        results.push(
          (
            await client.post(`/api/orgs/${orgId}/calls`, {
              agentId: agent.id,
              toNumber: `+9198765432${10 + i}`,
            })
          ).json(),
        );
      }
      expect(results.map((c) => c.status)).toEqual(Array(8).fill('initiated'));
      const ids = results.map((c) => c.providerCallId);
      expect(new Set(ids).size).toBe(8);
      // Every execution Bolna holds for this agent belongs to exactly one of our calls.
      t.simulator.setKnobs({ apiErrorRate: 0 });
      const from = new Date(Date.now() - 3_600_000).toISOString().replace('Z', '+00:00');
      const to = new Date(Date.now() + 60_000).toISOString().replace('Z', '+00:00');
      const listed = await fetch(
        `${t.simulator.url}/v2/agent/${agent.providerAgentId}/executions?page_size=50&page_number=1&from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`,
        { headers: { authorization: `Bearer ${t.simulator.apiKey}` } },
      );
      const executions = ((await listed.json()) as { data: { id: string }[] }).data;
      const markers = executions.map(
        (e) =>
          (t.simulator.execution(e.id)!.context_details as { recipient_data: Record<string, string> })
            .recipient_data.automitra_call_id,
      );
      expect(markers.sort()).toEqual(results.map((c) => c.id).sort());
      expect(executions.map((e) => e.id).sort()).toEqual(ids.sort());
    } finally {
      t.simulator.setKnobs({ apiErrorRate: 0 });
    }
  });

  it('lists newest first with cursor pages and filters, gets one, and lets admins delete', async () => {
    const { client, orgId, agent } = await orgWithAgent();
    const created = [];
    for (let i = 0; i < 5; i++) {
      created.push(
        (
          await client.post(`/api/orgs/${orgId}/calls`, { agentId: agent.id, toNumber: `+91987654320${i}` })
        ).json(),
      );
    }
    const page1 = (await client.get(`/api/orgs/${orgId}/calls?limit=2`)).json();
    expect(page1.data.map((c: { id: string }) => c.id)).toEqual([created[4].id, created[3].id]);
    const page2 = (await client.get(`/api/orgs/${orgId}/calls?limit=2&cursor=${page1.nextCursor}`)).json();
    expect(page2.data.map((c: { id: string }) => c.id)).toEqual([created[2].id, created[1].id]);
    const page3 = (await client.get(`/api/orgs/${orgId}/calls?limit=2&cursor=${page2.nextCursor}`)).json();
    expect(page3).toEqual({ data: [expect.objectContaining({ id: created[0].id })], nextCursor: null });

    const byId = (
      await client.get(`/api/orgs/${orgId}/calls?providerCallId=${created[2].providerCallId}`)
    ).json();
    expect(byId.data.map((c: { id: string }) => c.id)).toEqual([created[2].id]);
    expect((await client.get(`/api/orgs/${orgId}/calls?status=completed,busy`)).json().data).toEqual([]);
    const byNumber = (await client.get(`/api/orgs/${orgId}/calls?number=6543203`)).json().data;
    expect(byNumber.map((c: { id: string }) => c.id)).toEqual([created[3].id]);
    expect((await client.get(`/api/orgs/${orgId}/calls?number=4155550100`)).json().data).toHaveLength(5);
    expectError(await client.get(`/api/orgs/${orgId}/calls?number=12`), 400, 'validation_failed');
    expect(
      (await client.get(`/api/orgs/${orgId}/calls?agentId=${agent.id}&status=initiated`)).json().data,
    ).toHaveLength(5);
    const future = new Date(Date.now() + 3_600_000).toISOString();
    expect((await client.get(`/api/orgs/${orgId}/calls?from=${future}`)).json().data).toEqual([]);
    expectError(await client.get(`/api/orgs/${orgId}/calls?status=done`), 400, 'validation_failed');
    expectError(await client.get(`/api/orgs/${orgId}/calls?cursor=bogus`), 400, 'validation_failed');
    expectError(await client.get(`/api/orgs/${orgId}/calls?limit=1000`), 400, 'validation_failed');

    expect((await client.get(`/api/orgs/${orgId}/calls/${created[0].id}`)).json().id).toBe(created[0].id);
    const member = await addMember(t.app, client, orgId, 'member');
    expectError(await member.client.delete(`/api/orgs/${orgId}/calls/${created[0].id}`), 403);
    expect((await client.delete(`/api/orgs/${orgId}/calls/${created[0].id}`)).statusCode).toBe(204);
    expectError(await client.get(`/api/orgs/${orgId}/calls/${created[0].id}`), 404);
  });
});
