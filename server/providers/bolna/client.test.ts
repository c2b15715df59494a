import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator } from '../../../simulator/server.js';
import { buildAgentPayload, createBolnaClient, type BolnaClient } from './client.js';
import { BolnaAuthError, BolnaNotFoundError, BolnaValidationError } from './errors.js';

/** The client against the simulator over real loopback HTTP: every endpoint, Bolna's shapes and errors. */

let sim: RunningSimulator;
let client: BolnaClient;

const agentBody = (name: string, webhookUrl: string | null = null) =>
  buildAgentPayload({ name, welcomeMessage: 'Hello {name}!', systemPrompt: 'Be brief.', webhookUrl });

beforeAll(async () => {
  sim = await startSimulator({ seed: 11, timeScale: 0.001, outcomes: { completed: 1 } });
  client = createBolnaClient({ baseUrl: sim.url, apiKey: sim.apiKey, backoffBaseMs: 1 });
});

afterAll(async () => {
  await sim.close();
});

describe('agents', () => {
  it('creates (201 + state) and reads back the agent, webhook URL included', async () => {
    const created = await client.createAgent(agentBody('Sales', 'https://example.com/hook'));
    expect(created.state).toBe('created');
    expect(created.agentId).toMatch(/^[0-9a-f-]{36}$/);
    const agent = await client.getAgent(created.agentId);
    expect(agent).toMatchObject({
      id: created.agentId,
      name: 'Sales',
      agentType: 'other',
      welcomeMessage: 'Hello {name}!',
      webhookUrl: 'https://example.com/hook',
    });
    expect(agent.createdAt).toBeInstanceOf(Date);
    expect(agent.raw.tasks).toHaveLength(1);
  });

  it('lists all agents as a bare array', async () => {
    const a = await client.createAgent(agentBody('Listed A'));
    const b = await client.createAgent(agentBody('Listed B'));
    const ids = (await client.listAgents()).map((agent) => agent.id);
    expect(ids).toEqual(expect.arrayContaining([a.agentId, b.agentId]));
  });

  it('replaces with PUT (status form) and patches the webhook URL with PATCH (state form)', async () => {
    const { agentId } = await client.createAgent(agentBody('Before'));
    const put = await client.updateAgent(agentId, agentBody('After'));
    expect(put).toMatchObject({ agentId, state: 'updated' });
    const patched = await client.patchAgent(agentId, {
      agent_config: { webhook_url: 'https://example.com/new' },
    });
    expect(patched).toMatchObject({ state: 'updated', message: 'success' });
    const agent = await client.getAgent(agentId);
    expect(agent.name).toBe('After');
    expect(agent.webhookUrl).toBe('https://example.com/new');
  });

  it('refuses a PATCH key Bolna does not accept, with its reason in the message', async () => {
    const { agentId } = await client.createAgent(agentBody('Strict'));
    const error = await client
      .patchAgent(agentId, { agent_config: { tasks: [] } } as never)
      .catch((err: unknown) => err);
    expect(error).toBeInstanceOf(BolnaValidationError);
    expect((error as Error).message).toMatch(/agent_config/);
  });

  it('deletes an agent, after which it is not found', async () => {
    const { agentId } = await client.createAgent(agentBody('Doomed'));
    expect(await client.deleteAgent(agentId)).toMatchObject({ state: 'deleted', message: 'success' });
    await expect(client.getAgent(agentId)).rejects.toBeInstanceOf(BolnaNotFoundError);
  });

  it('reports a pydantic-style 422 for an incomplete agent in words', async () => {
    const error = await client
      .createAgent({ agent_config: { agent_name: 'No tasks', tasks: [] } })
      .catch((err: unknown) => err);
    expect(error).toBeInstanceOf(BolnaValidationError);
    expect((error as Error).message).toContain('agent_config.tasks');
  });
});

describe('calls and executions', () => {
  it('starts a call (200 queued + execution id) and follows it to completed by polling', async () => {
    const { agentId } = await client.createAgent(agentBody('Caller'));
    const started = await client.startCall({
      agentId,
      recipientPhoneNumber: '+919876543210',
      userData: { name: 'Asha' },
    });
    expect(started).toMatchObject({ status: 'queued', message: 'done' });
    const first = await client.getExecution(started.executionId);
    expect(first.providerCallId).toBe(started.executionId);
    expect(first.status).not.toBeNull();
    await sim.waitForIdle();
    const last = await client.getExecution(started.executionId);
    expect(last).toMatchObject({ status: 'completed', providerAgentId: agentId, toNumber: '+919876543210' });
    expect(last.duration).toBeGreaterThan(0);
    expect(last.transcription).toMatch(/^assistant: Hello Asha!\n/);
    expect(last.initiatedAt).toBeInstanceOf(Date);
  });

  it('sends scheduled_at with a +00:00 offset (a Z would get a 500) and stops a scheduled call', async () => {
    const { agentId } = await client.createAgent(agentBody('Scheduler'));
    const at = new Date(Date.now() + 3_600_000);
    const started = await client.startCall({
      agentId,
      recipientPhoneNumber: '+14155550100',
      scheduledAt: at,
    });
    const body = sim.execution(started.executionId);
    expect(body?.status).toBe('scheduled');
    expect(String(body?.scheduled_at).slice(0, 23)).toBe(at.toISOString().slice(0, 23));
    const stopped = await client.stopCall(started.executionId);
    expect(stopped).toMatchObject({ executionId: started.executionId, status: 'stopped' });
    expect((await client.getExecution(started.executionId)).status).toBe('stopped');
  });

  it('cannot stop a call that is already ringing or later', async () => {
    const { agentId } = await client.createAgent(agentBody('Too late'));
    const { executionId } = await client.startCall({ agentId, recipientPhoneNumber: '+14155550101' });
    await sim.waitForIdle();
    const error = await client.stopCall(executionId).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(BolnaValidationError);
    expect((error as Error).message).toContain('only queued or scheduled');
  });

  it('names the rejected phone number in the validation error', async () => {
    const { agentId } = await client.createAgent(agentBody('Validator'));
    const error = await client
      .startCall({ agentId, recipientPhoneNumber: '+91 98765' })
      .catch((err: unknown) => err);
    expect(error).toBeInstanceOf(BolnaValidationError);
    expect((error as BolnaValidationError).status).toBe(422);
    expect((error as Error).message).toContain("Invalid recipient_phone_number '+91 98765'");
    expect((error as Error).message).toContain('E.164');
    const badFrom = await client
      .startCall({ agentId, recipientPhoneNumber: '+919876543210', fromPhoneNumber: '080-1234' })
      .catch((err: unknown) => err);
    expect((badFrom as Error).message).toContain("from_phone_number '080-1234'");
  });

  it('answers 404 for unknown executions and agents', async () => {
    await expect(client.getExecution('00000000-0000-4000-8000-000000000000')).rejects.toBeInstanceOf(
      BolnaNotFoundError,
    );
    await expect(
      client.startCall({ agentId: 'missing-agent', recipientPhoneNumber: '+919876543210' }),
    ).rejects.toBeInstanceOf(BolnaNotFoundError);
  });
});

describe('authentication', () => {
  it('turns a bad key (403 {detail} live) into BolnaAuthError', async () => {
    const bad = createBolnaClient({ baseUrl: sim.url, apiKey: 'wrong-key' });
    const error = await bad.listAgents().catch((err: unknown) => err);
    expect(error).toBeInstanceOf(BolnaAuthError);
    expect((error as BolnaAuthError).status).toBe(403);
    expect((error as Error).message).toContain('Invalid API key');
  });

  it('keeps each API key’s agents to itself', async () => {
    const other = await startSimulator({ seed: 1, apiKeys: ['key-a', 'key-b'] });
    try {
      const a = createBolnaClient({ baseUrl: other.url, apiKey: 'key-a' });
      const b = createBolnaClient({ baseUrl: other.url, apiKey: 'key-b' });
      const { agentId } = await a.createAgent(agentBody('Private'));
      await expect(b.getAgent(agentId)).rejects.toBeInstanceOf(BolnaNotFoundError);
      expect(await b.listAgents()).toEqual([]);
    } finally {
      await other.close();
    }
  });
});
