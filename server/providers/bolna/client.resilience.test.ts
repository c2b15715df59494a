import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator } from '../../../simulator/server.js';
import { buildAgentPayload, createBolnaClient } from './client.js';
import { BolnaRateLimitError, BolnaUnavailableError } from './errors.js';

/**
 * Retries, rate limits and timeouts against the simulator's injected faults (real HTTP, seeded so the
 * same requests fail on every run).
 */

let sim: RunningSimulator;
let agentId: string;

const RECIPIENT = '+919876543210';
const countOf = (method: string, prefix: string) =>
  sim.requests().filter((r) => r.method === method && r.url.startsWith(prefix));

beforeAll(async () => {
  sim = await startSimulator({ seed: 2024, timeScale: 0.001, outcomes: { completed: 1 } });
  const setup = createBolnaClient({ baseUrl: sim.url, apiKey: sim.apiKey });
  agentId = (
    await setup.createAgent(buildAgentPayload({ name: 'R', welcomeMessage: 'Hi', systemPrompt: 'x' }))
  ).agentId;
});

beforeEach(() => {
  sim.setKnobs({ apiErrorRate: 0, apiRateLimit: 0, apiLatencyMs: 0, apiRateLimitWindowMs: 60_000 });
});

afterAll(async () => {
  await sim.close();
});

describe('server errors', () => {
  it('gets every idempotent request through a 30% error rate by retrying', async () => {
    const client = createBolnaClient({
      baseUrl: sim.url,
      apiKey: sim.apiKey,
      maxRetries: 6,
      backoffBaseMs: 2,
    });
    sim.setKnobs({ apiErrorRate: 0.3 });
    const before = sim.requests().length;
    for (let i = 0; i < 20; i += 1) {
      expect((await client.getAgent(agentId)).id).toBe(agentId);
      expect(Array.isArray(await client.listAgents())).toBe(true);
    }
    const seen = sim.requests().slice(before);
    const failures = seen.filter((r) => r.status >= 500);
    expect(failures.length).toBeGreaterThan(3);
    expect(new Set(failures.map((r) => r.status))).toEqual(new Set([500, 502, 503]));
    expect(seen.filter((r) => r.status === 200)).toHaveLength(40);
  });

  it('never retries POST /call on a 5xx and says the outcome is unknown', async () => {
    const client = createBolnaClient({
      baseUrl: sim.url,
      apiKey: sim.apiKey,
      maxRetries: 5,
      backoffBaseMs: 1,
    });
    sim.setKnobs({ apiErrorRate: 1 });
    const before = countOf('POST', '/call').length;
    const error = await client
      .startCall({ agentId, recipientPhoneNumber: RECIPIENT })
      .catch((err: unknown) => err);
    expect(error).toBeInstanceOf(BolnaUnavailableError);
    expect((error as BolnaUnavailableError).outcomeUnknown).toBe(true);
    expect((error as Error).message).toMatch(/check before retrying/);
    expect(countOf('POST', '/call').length - before).toBe(1);
  });

  it('gives up on an idempotent request after maxRetries + 1 attempts', async () => {
    const client = createBolnaClient({
      baseUrl: sim.url,
      apiKey: sim.apiKey,
      maxRetries: 2,
      backoffBaseMs: 1,
    });
    sim.setKnobs({ apiErrorRate: 1 });
    const before = countOf('GET', `/v2/agent/${agentId}`).length;
    const error = await client.getAgent(agentId).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(BolnaUnavailableError);
    expect((error as BolnaUnavailableError).outcomeUnknown).toBe(false);
    expect(countOf('GET', `/v2/agent/${agentId}`).length - before).toBe(3);
  });
});

describe('rate limits', () => {
  it('waits exactly Retry-After on a 429, then succeeds, for POST /call too', async () => {
    const limited = await startSimulator({
      seed: 5,
      timeScale: 0.001,
      apiRateLimit: 2,
      apiRateLimitWindowMs: 1000,
    });
    try {
      const waits: number[] = [];
      const client = createBolnaClient({
        baseUrl: limited.url,
        apiKey: limited.apiKey,
        sleep: async (ms) => {
          waits.push(ms);
          await new Promise((resolve) => setTimeout(resolve, ms));
        },
      });
      const { agentId: limitedAgent } = await client.createAgent(
        buildAgentPayload({ name: 'L', welcomeMessage: 'Hi', systemPrompt: 'x' }),
      );
      await client.getAgent(limitedAgent);
      const started = Date.now();
      const call = await client.startCall({ agentId: limitedAgent, recipientPhoneNumber: RECIPIENT });
      expect(call.executionId).toBeTruthy();
      expect(waits).toEqual([1000]);
      expect(Date.now() - started).toBeGreaterThanOrEqual(900);
      const calls = limited.requests().filter((r) => r.method === 'POST' && r.url === '/call');
      expect(calls.map((r) => r.status)).toEqual([429, 200]);
    } finally {
      await limited.close();
    }
  });

  it('hands a Retry-After longer than allowed back to the caller', async () => {
    const client = createBolnaClient({ baseUrl: sim.url, apiKey: sim.apiKey, maxRetryAfterMs: 500 });
    sim.setKnobs({ apiRateLimit: 1, apiRateLimitWindowMs: 30_000 });
    await client.listAgents().catch(() => undefined); // fills the window (or is already limited)
    const error = await client.listAgents().catch((err: unknown) => err);
    expect(error).toBeInstanceOf(BolnaRateLimitError);
    expect((error as BolnaRateLimitError).retryAfterMs).toBeGreaterThan(500);
    expect((error as BolnaRateLimitError).retryAfterMs).toBeLessThanOrEqual(30_000);
  });
});

describe('timeouts', () => {
  it('aborts a slow idempotent request, retries it, then reports a timeout', async () => {
    const client = createBolnaClient({
      baseUrl: sim.url,
      apiKey: sim.apiKey,
      timeoutMs: 50,
      maxRetries: 1,
      backoffBaseMs: 1,
    });
    sim.setKnobs({ apiLatencyMs: 1000 });
    const started = Date.now();
    const error = await client.getAgent(agentId).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(BolnaUnavailableError);
    expect((error as BolnaUnavailableError).code).toBe('timeout');
    expect((error as BolnaUnavailableError).outcomeUnknown).toBe(false);
    expect(Date.now() - started).toBeLessThan(900);
  });

  it('does not retry a timed-out POST /call and flags the outcome as unknown', async () => {
    const waits: number[] = [];
    const client = createBolnaClient({
      baseUrl: sim.url,
      apiKey: sim.apiKey,
      timeoutMs: 50,
      maxRetries: 3,
      sleep: async (ms) => {
        waits.push(ms);
      },
    });
    sim.setKnobs({ apiLatencyMs: 1000 });
    const error = await client
      .startCall({ agentId, recipientPhoneNumber: RECIPIENT })
      .catch((err: unknown) => err);
    expect(error).toBeInstanceOf(BolnaUnavailableError);
    expect((error as BolnaUnavailableError).code).toBe('timeout');
    expect((error as BolnaUnavailableError).outcomeUnknown).toBe(true);
    expect(waits).toEqual([]);
  });

  it('reports an unreachable Bolna as a network error that sent nothing', async () => {
    const closed = await startSimulator({ seed: 1 });
    const url = closed.url;
    await closed.close();
    const client = createBolnaClient({ baseUrl: url, apiKey: 'sim-key', maxRetries: 0 });
    const error = await client
      .startCall({ agentId, recipientPhoneNumber: RECIPIENT })
      .catch((err: unknown) => err);
    expect(error).toBeInstanceOf(BolnaUnavailableError);
    expect((error as BolnaUnavailableError).code).toBe('network');
    expect((error as BolnaUnavailableError).outcomeUnknown).toBe(false);
    expect((error as Error).message).toContain('ECONNREFUSED');
  });
});
