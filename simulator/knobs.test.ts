import { describe, expect, it } from 'vitest';
import { sumCents, planCall } from './call-plan.js';
import { parseSimulatorEnv } from './env.js';
import { DEFAULT_KNOBS, parseKnobsPatch, parseOutcomes, resolveKnobs } from './knobs.js';
import { Rng } from './random.js';

describe('knobs', () => {
  it('parses outcome weights from the env form, accepting underscores', () => {
    expect(parseOutcomes('completed=0.7, busy=0.1,no_answer=0.1,failed=0.05,error=0.05')).toEqual({
      completed: 0.7,
      busy: 0.1,
      'no-answer': 0.1,
      failed: 0.05,
      error: 0.05,
    });
    expect(() => parseOutcomes('completed=0.7,hangup=0.3')).toThrow(/unknown outcome "hangup"/);
    expect(() => parseOutcomes('completed=lots')).toThrow(/weight of "completed"/);
  });

  it('validates a partial update and lists every problem', () => {
    expect(parseKnobsPatch({ timeScale: 0.01, webhookReorder: true })).toEqual({
      timeScale: 0.01,
      webhookReorder: true,
    });
    let message = '';
    try {
      parseKnobsPatch({ timeScale: -1, webhookDropRate: 1.5, outcomes: { completed: 0 } });
    } catch (err) {
      message = (err as Error).message;
    }
    for (const field of ['timeScale', 'webhookDropRate', 'outcomes']) expect(message).toContain(`${field}:`);
  });

  it('fills defaults and draws a seed when none is given', () => {
    const knobs = resolveKnobs({ timeScale: 0.5 });
    expect(knobs).toMatchObject({ ...DEFAULT_KNOBS, timeScale: 0.5 });
    expect(Number.isInteger(knobs.seed)).toBe(true);
    expect(resolveKnobs({ seed: 5 }).seed).toBe(5);
  });
});

describe('parseSimulatorEnv', () => {
  it('reads every SIM_* variable', () => {
    const result = parseSimulatorEnv({
      SIM_PORT: '5200',
      SIM_HOST: '0.0.0.0',
      SIM_API_KEY: 'a, b',
      SIM_PUBLIC_URL: 'https://sim.example.com',
      SIM_SEED: '42',
      SIM_TIME_SCALE: '0.01',
      SIM_OUTCOMES: 'completed=1,busy=1',
      SIM_WEBHOOK_DROP_RATE: '0.1',
      SIM_WEBHOOK_DUPLICATE_RATE: '0.2',
      SIM_WEBHOOK_REORDER: 'true',
      SIM_COMPLETED_DELAY_MS: '1000',
      SIM_QUEUED_WEBHOOK: 'off',
      SIM_API_ERROR_RATE: '0.3',
      SIM_API_RATE_LIMIT: '500',
    });
    expect(result).toEqual({
      ok: true,
      options: {
        port: 5200,
        host: '0.0.0.0',
        apiKeys: ['a', 'b'],
        publicUrl: 'https://sim.example.com',
        seed: 42,
        timeScale: 0.01,
        outcomes: { completed: 1, busy: 1 },
        webhookDropRate: 0.1,
        webhookDuplicateRate: 0.2,
        webhookReorder: true,
        completedDelayMs: 1000,
        queuedWebhook: false,
        apiErrorRate: 0.3,
        apiRateLimit: 500,
      },
    });
  });

  it('defaults to port 5100 and key sim-key', () => {
    expect(parseSimulatorEnv({})).toEqual({ ok: true, options: { port: 5100, apiKeys: ['sim-key'] } });
  });

  it('reports every invalid variable together, by name', () => {
    const result = parseSimulatorEnv({
      SIM_PORT: 'http',
      SIM_TIME_SCALE: '0',
      SIM_WEBHOOK_REORDER: 'maybe',
      SIM_OUTCOMES: 'completed=1,lost=2',
      SIM_API_ERROR_RATE: 'x',
      SIM_PUBLIC_URL: 'ftp://nope',
    });
    expect(result.ok).toBe(false);
    const errors = result.ok ? [] : result.errors;
    expect(errors).toHaveLength(6);
    for (const name of [
      'SIM_PORT',
      'SIM_TIME_SCALE',
      'SIM_WEBHOOK_REORDER',
      'SIM_OUTCOMES',
      'SIM_API_ERROR_RATE',
      'SIM_PUBLIC_URL',
    ]) {
      expect(errors.some((error) => error.startsWith(name))).toBe(true);
    }
  });
});

describe('call plans', () => {
  const context = (seed: number, sequence: number) => ({
    seed,
    sequence,
    outcomes: DEFAULT_KNOBS.outcomes,
    welcomeMessage: 'Hello!',
    recipient: '+919876543210',
    userData: null,
  });

  it('are a pure function of seed and sequence number', () => {
    expect(planCall(context(1, 7))).toEqual(planCall(context(1, 7)));
    expect(planCall(context(1, 7)).executionId).not.toBe(planCall(context(1, 8)).executionId);
    expect(planCall(context(2, 7)).executionId).not.toBe(planCall(context(1, 7)).executionId);
  });

  it('price every call so the breakdown adds up to total_cost exactly (2 decimals)', () => {
    for (let sequence = 1; sequence <= 500; sequence += 1) {
      const plan = planCall(context(99, sequence));
      const parts = Object.values(plan.costBreakdown);
      for (const cents of parts) expect(Math.abs(cents * 100 - Math.round(cents * 100))).toBeLessThan(1e-9);
      expect(plan.totalCost).toBe(sumCents(plan.costBreakdown));
      expect(Math.round(parts.reduce((a, b) => a + b, 0) * 100)).toBe(Math.round(plan.totalCost * 100));
      if (plan.outcome === 'completed') expect(plan.totalCost).toBeGreaterThan(0);
      else expect(plan.totalCost).toBe(0);
    }
  });

  it('follow the outcome weights', () => {
    const counts: Record<string, number> = {};
    for (let sequence = 1; sequence <= 2000; sequence += 1) {
      const { outcome } = planCall(context(5, sequence));
      counts[outcome] = (counts[outcome] ?? 0) + 1;
    }
    expect(counts.completed! / 2000).toBeGreaterThan(0.65);
    expect(counts.completed! / 2000).toBeLessThan(0.75);
    expect(counts.busy).toBeGreaterThan(100);
    expect(counts['balance-low']).toBeUndefined();
  });
});

describe('Rng', () => {
  it('gives independent, reproducible streams per label', () => {
    const a = Rng.stream(1, 'content', 1);
    const b = Rng.stream(1, 'content', 1);
    const c = Rng.stream(1, 'delivery');
    const draws = (rng: Rng) => Array.from({ length: 5 }, () => rng.next());
    const first = draws(a);
    expect(draws(b)).toEqual(first);
    expect(draws(c)).not.toEqual(first);
    expect(first.every((x) => x >= 0 && x < 1)).toBe(true);
    expect(Rng.stream(3, 'x').uuid()).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
  });
});
