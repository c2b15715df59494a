import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { SimOutcome } from './knobs.js';
import { startSimulator, type RunningSimulator } from './server.js';
import { NAIVE_MICROS, simApi, type Json } from './testing.js';
import { startWebhookSink, type WebhookSink } from './webhook-sink.js';

/**
 * Webhooks as a real receiver sees them: one bare execution object per status change, in Bolna's order for
 * each outcome, with fields filling late, costs in cents that add up, and a recording that is a real WAV.
 */

let sink: WebhookSink;
const sims: RunningSimulator[] = [];

/** Runs one call with a single possible outcome (same seed each time, so the sink is emptied first). */
async function simulate(outcome: SimOutcome, extra: Parameters<typeof startSimulator>[0] = {}) {
  sink.received.length = 0;
  const sim = await startSimulator({ seed: 9, timeScale: 0.001, outcomes: { [outcome]: 1 }, ...extra });
  sims.push(sim);
  const api = simApi(sim);
  const agentId = await api.createAgent(sink.url, 'Namaste {name}, this is Priya from Acme.');
  const id = await api.startCall(agentId, { user_data: { name: 'Ravi' } });
  await sim.waitForIdle();
  const hooks = sink.received.map((hook) => hook.body as Json).filter((body) => body.id === id);
  return { sim, api, id, hooks, final: await api.getExecution(id) };
}

const statuses = (hooks: Json[]) => hooks.map((hook) => hook.status);
const telephony = (hook: Json | undefined) => hook?.telephony_data as Json;

beforeAll(async () => {
  sink = await startWebhookSink();
});

afterEach(async () => {
  await Promise.all(sims.splice(0).map((sim) => sim.close()));
  sink.received.length = 0;
  sink.respondWith(200);
});

afterAll(async () => {
  await sink.close();
});

describe('status order per outcome', () => {
  it.each<[SimOutcome, string[]]>([
    ['completed', ['initiated', 'ringing', 'in-progress', 'call-disconnected', 'completed']],
    ['rejected', ['initiated', 'ringing', 'call-disconnected', 'completed']],
    ['busy', ['initiated', 'ringing', 'busy']],
    ['no-answer', ['initiated', 'ringing', 'no-answer']],
    ['failed', ['initiated', 'failed']],
    ['error', ['initiated', 'error']],
    ['balance-low', ['balance-low']],
  ])('%s → %j', async (outcome, expected) => {
    const { hooks, final } = await simulate(outcome);
    expect(statuses(hooks)).toEqual(expected);
    expect(final.status).toBe(expected.at(-1));
    expect(hooks.at(-1)).toEqual(final);
  });

  it('sends a queued webhook first only when queuedWebhook is on', async () => {
    const on = await simulate('busy', { queuedWebhook: true });
    expect(statuses(on.hooks)).toEqual(['queued', 'initiated', 'ringing', 'busy']);
    const off = await simulate('busy', { queuedWebhook: false });
    expect(statuses(off.hooks)[0]).toBe('initiated');
  });
});

describe('payload shape', () => {
  it('POSTs the bare execution object as JSON with naive microsecond timestamps', async () => {
    const { hooks } = await simulate('completed');
    const received = sink.received.filter((hook) => (hook.body as Json).id === hooks[0]?.id);
    for (const hook of received) {
      expect(hook.method).toBe('POST');
      expect(hook.headers['content-type']).toBe('application/json');
      const body = hook.body as Json;
      expect(body).not.toHaveProperty('data');
      expect(body).toMatchObject({
        id: expect.any(String),
        agent_id: expect.any(String),
        status: expect.any(String),
      });
      expect(body.created_at).toMatch(NAIVE_MICROS);
      expect(body.updated_at).toMatch(NAIVE_MICROS);
      expect(body.initiated_at).toMatch(NAIVE_MICROS);
    }
  });

  it('fills fields late: nothing final before completed, recording "" at call-disconnected', async () => {
    const { hooks } = await simulate('completed');
    const byStatus = Object.fromEntries(hooks.map((hook) => [hook.status, hook]));
    for (const early of ['initiated', 'ringing', 'in-progress', 'call-disconnected']) {
      const hook = byStatus[early] as Json;
      expect(hook.conversation_duration).toBe(0);
      expect(hook.total_cost).toBe(0);
      expect(hook.summary).toBeNull();
      expect(telephony(hook).duration).toBeNull();
    }
    expect(telephony(byStatus.ringing).recording_url).toBeNull();
    expect(telephony(byStatus['call-disconnected']).recording_url).toBe('');
    expect(telephony(byStatus['call-disconnected']).hangup_by).toEqual(expect.any(String));
  });

  it('completes with float duration, string telephony duration, cents that add up and a transcript', async () => {
    const { final } = await simulate('completed');
    const duration = final.conversation_duration as number;
    expect(duration).toBeGreaterThanOrEqual(20);
    expect(telephony(final).duration).toMatch(/^\d+$/);
    expect(Number(telephony(final).duration)).toBe(Math.ceil(duration));
    const breakdown = final.cost_breakdown as Record<string, number>;
    expect(Object.keys(breakdown).sort()).toEqual([
      'llm',
      'network',
      'platform',
      'synthesizer',
      'transcriber',
    ]);
    const sum = Object.values(breakdown).reduce((total, cents) => total + Math.round(cents * 100), 0);
    expect(sum).toBe(Math.round((final.total_cost as number) * 100));
    expect(final.total_cost).toBeGreaterThan(0);
    expect(final.transcript).toMatch(
      /^assistant: Namaste Ravi, this is Priya from Acme\.\n(user|assistant): /,
    );
    for (const line of (final.transcript as string).trimEnd().split('\n'))
      expect(line).toMatch(/^(assistant|user): \S/);
    expect(final.summary).toEqual(expect.any(String));
    expect(final.extracted_data).toEqual(expect.objectContaining({ interested: expect.any(Boolean) }));
    expect(telephony(final)).toMatchObject({
      hangup_reason: 'Normal Hangup',
      hangup_provider_code: 4000,
      call_type: 'outbound',
    });
  });

  it('serves the recording as a real WAV from the simulator', async () => {
    const { final, sim } = await simulate('completed');
    const url = telephony(final).recording_url as string;
    expect(url.startsWith(`${sim.publicUrl}/recordings/`)).toBe(true);
    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('audio/wav');
    const wav = Buffer.from(await res.arrayBuffer());
    expect(wav.toString('ascii', 0, 4)).toBe('RIFF');
    expect(wav.toString('ascii', 8, 12)).toBe('WAVE');
    expect(wav.toString('ascii', 12, 16)).toBe('fmt ');
    expect(wav.readUInt16LE(20)).toBe(1); // PCM
    expect(wav.toString('ascii', 36, 40)).toBe('data');
    expect(wav.readUInt32LE(4)).toBe(wav.length - 8);
    expect(wav.readUInt32LE(40)).toBe(wav.length - 44);
    const seconds = wav.readUInt32LE(40) / wav.readUInt32LE(28);
    expect(seconds).toBeGreaterThanOrEqual(1);
    expect(wav.subarray(44).some((byte) => byte !== 0)).toBe(true);
  });

  it('ends busy and no-answer calls with no duration, no recording and no cost', async () => {
    for (const outcome of ['busy', 'no-answer'] as const) {
      const { final } = await simulate(outcome);
      expect(final.conversation_duration).toBe(0);
      expect(final.total_cost).toBe(0);
      expect(telephony(final).recording_url).toBeNull();
      expect(telephony(final).duration).toBe('0');
      expect(final.transcript).toBeNull();
    }
  });

  it('explains failed, error and balance-low calls in error_message', async () => {
    for (const outcome of ['failed', 'error', 'balance-low'] as const) {
      const { final } = await simulate(outcome);
      expect(final.error_message).toEqual(expect.stringMatching(/\w{3,}/));
    }
  });
});

describe('delivery retries', () => {
  it('retries a webhook the receiver answered with 500, and logs each attempt', async () => {
    let failuresLeft = 1;
    sink.respondWith(() => (failuresLeft-- > 0 ? 500 : 200));
    const { sim, id } = await simulate('failed');
    const log = sim.deliveries(id);
    expect(log.map((d) => [d.status, d.attempt, d.outcome, d.httpStatus])).toEqual([
      ['initiated', 1, 'failed', 500],
      ['initiated', 2, 'delivered', 200],
      ['failed', 1, 'delivered', 200],
    ]);
    const remote = (await (await fetch(`${sim.url}/__sim/deliveries?executionId=${id}`)).json()) as Json;
    expect(remote).toMatchObject({ pending: 0, idle: true, deliveries: expect.any(Array) });
  });

  it('logs a skipped delivery when the agent has no webhook_url', async () => {
    const sim = await startSimulator({ seed: 1, timeScale: 0.001, outcomes: { busy: 1 } });
    sims.push(sim);
    const api = simApi(sim);
    const id = await api.startCall(await api.createAgent(null));
    await sim.waitForIdle();
    expect(sim.deliveries(id).map((d) => d.outcome)).toEqual(['skipped', 'skipped', 'skipped']);
  });
});
