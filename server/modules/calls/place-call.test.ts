import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator } from '../../../simulator/server.js';
import {
  BolnaUnavailableError,
  BolnaValidationError,
  buildAgentPayload,
  createBolnaClient,
  type BolnaClient,
} from '../../providers/bolna/index.js';
import { CALL_MARKER_KEY, placeCall } from './place-call.js';

describe('placeCall', () => {
  let sim: RunningSimulator;
  let bolna: BolnaClient;
  let agentId: string;
  beforeAll(async () => {
    sim = await startSimulator({ seed: 7, timeScale: 0.001 });
    bolna = createBolnaClient({ baseUrl: sim.url, apiKey: sim.apiKey, backoffBaseMs: 5 });
    agentId = (
      await bolna.createAgent(buildAgentPayload({ name: 'A', welcomeMessage: 'Hi', systemPrompt: 'x' }))
    ).agentId;
  });
  afterAll(() => sim.close());

  const noSleep = async () => {};

  it('adopts the execution Bolna created when its answer was lost, instead of calling twice', async () => {
    let posts = 0;
    const lossy: BolnaClient = {
      ...bolna,
      async startCall(input) {
        posts++;
        await bolna.startCall(input); // Bolna places the call...
        throw new BolnaUnavailableError('timed out', { outcomeUnknown: true, status: null }); // ...the answer is lost
      },
    };
    const executionId = await placeCall(
      lossy,
      'call-123',
      { agentId, recipientPhoneNumber: '+919876543210' },
      { sleep: noSleep },
    );
    expect(posts).toBe(1);
    const placed = sim.execution(executionId)!;
    const data = (placed.context_details as { recipient_data: Record<string, unknown> }).recipient_data;
    expect(data[CALL_MARKER_KEY]).toBe('call-123');
  });

  it('tries again when the failed request surely placed nothing', async () => {
    let posts = 0;
    const flaky: BolnaClient = {
      ...bolna,
      async startCall(input) {
        posts++;
        if (posts < 3)
          throw new BolnaUnavailableError('connection refused', { outcomeUnknown: false, status: null });
        return bolna.startCall(input);
      },
    };
    const executionId = await placeCall(
      flaky,
      'call-456',
      { agentId, recipientPhoneNumber: '+919876543211' },
      { sleep: noSleep },
    );
    expect(posts).toBe(3);
    expect(sim.execution(executionId)).toBeTruthy();
  });

  it('gives up after its attempts, and passes a refusal through at once', async () => {
    let posts = 0;
    const down: BolnaClient = {
      ...bolna,
      async startCall() {
        posts++;
        throw new BolnaUnavailableError('503', { outcomeUnknown: false, status: 503 });
      },
    };
    await expect(
      placeCall(
        down,
        'c',
        { agentId, recipientPhoneNumber: '+919876543212' },
        { sleep: noSleep, attempts: 3 },
      ),
    ).rejects.toBeInstanceOf(BolnaUnavailableError);
    expect(posts).toBe(3);
    await expect(
      placeCall(bolna, 'c', { agentId: 'no-such-agent', recipientPhoneNumber: '+919876543212' }),
    ).rejects.toThrow(/Bolna/);
    await expect(
      placeCall(bolna, 'c', { agentId, recipientPhoneNumber: '12345' }, { sleep: noSleep }),
    ).rejects.toBeInstanceOf(BolnaValidationError);
  });
});
