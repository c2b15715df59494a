import { z } from 'zod';

/**
 * The simulator's knobs: one zod schema validates them wherever they come from (options, env, the
 * `/__sim/config` control endpoint), so the three stay in step.
 */

/** How a simulated call ends. `rejected` = `completed` with no conversation (a real Bolna quirk). */
export const SIM_OUTCOMES = [
  'completed',
  'busy',
  'no-answer',
  'failed',
  'error',
  'balance-low',
  'rejected',
] as const;

/** One possible ending of a simulated call. */
export type SimOutcome = (typeof SIM_OUTCOMES)[number];

/** Relative weights of outcomes; missing outcomes never happen. */
export type OutcomeWeights = Partial<Record<SimOutcome, number>>;

/** Everything that can be tuned at start (options/env) or at runtime (`POST /__sim/config`). */
export interface SimulatorKnobs {
  /** Seeds outcomes, durations, transcripts, costs and ids; one stream per execution. */
  seed: number;
  /** Multiplies every lifecycle delay: 1 = real time, 0.01 = 100× faster. */
  timeScale: number;
  /** Weights of call outcomes. */
  outcomes: OutcomeWeights;
  /** Probability that a webhook is never sent. */
  webhookDropRate: number;
  /** Probability that a webhook is sent twice. */
  webhookDuplicateRate: number;
  /** Deliver webhooks after a random hold within `webhookReorderWindowMs`, so later statuses can overtake. */
  webhookReorder: boolean;
  /** Reorder hold window (scaled by `timeScale`). */
  webhookReorderWindowMs: number;
  /** Attempts per delivery when the receiver answers non-2xx or fails (1 = no retry). */
  webhookMaxAttempts: number;
  /** Per attempt, in real milliseconds (not scaled). */
  webhookTimeoutMs: number;
  /** From `call-disconnected` to `completed` (real Bolna: 2–13 minutes). Scaled. */
  completedDelayMs: number;
  /** Send a `queued` webhook when a call is accepted (real Bolna was not seen doing it). */
  queuedWebhook: boolean;
  /** Fraction of API requests answered 500/502/503 without doing anything. */
  apiErrorRate: number;
  /** Requests per window per API key before 429 with Retry-After; 0 = unlimited. */
  apiRateLimit: number;
  /** Rate-limit window in real milliseconds (Bolna: one minute). */
  apiRateLimitWindowMs: number;
  /** Extra delay before every API answer, in real milliseconds (to exercise client timeouts). */
  apiLatencyMs: number;
}

/** Defaults: a realistic mix at real time, no faults injected. `seed` is drawn at start when not given. */
export const DEFAULT_KNOBS: Readonly<Omit<SimulatorKnobs, 'seed'>> = Object.freeze({
  timeScale: 1,
  outcomes: { completed: 0.7, busy: 0.1, 'no-answer': 0.1, failed: 0.05, error: 0.05 },
  webhookDropRate: 0,
  webhookDuplicateRate: 0,
  webhookReorder: false,
  webhookReorderWindowMs: 15_000,
  webhookMaxAttempts: 3,
  webhookTimeoutMs: 5_000,
  completedDelayMs: 30_000,
  queuedWebhook: false,
  apiErrorRate: 0,
  apiRateLimit: 0,
  apiRateLimitWindowMs: 60_000,
  apiLatencyMs: 0,
});

/** Env variable of each knob (read by `simulator/main.ts`, documented in docs/simulator.md). */
export const KNOB_ENV: Readonly<Record<keyof SimulatorKnobs, string>> = {
  seed: 'SIM_SEED',
  timeScale: 'SIM_TIME_SCALE',
  outcomes: 'SIM_OUTCOMES',
  webhookDropRate: 'SIM_WEBHOOK_DROP_RATE',
  webhookDuplicateRate: 'SIM_WEBHOOK_DUPLICATE_RATE',
  webhookReorder: 'SIM_WEBHOOK_REORDER',
  webhookReorderWindowMs: 'SIM_WEBHOOK_REORDER_WINDOW_MS',
  webhookMaxAttempts: 'SIM_WEBHOOK_MAX_ATTEMPTS',
  webhookTimeoutMs: 'SIM_WEBHOOK_TIMEOUT_MS',
  completedDelayMs: 'SIM_COMPLETED_DELAY_MS',
  queuedWebhook: 'SIM_QUEUED_WEBHOOK',
  apiErrorRate: 'SIM_API_ERROR_RATE',
  apiRateLimit: 'SIM_API_RATE_LIMIT',
  apiRateLimitWindowMs: 'SIM_API_RATE_LIMIT_WINDOW_MS',
  apiLatencyMs: 'SIM_API_LATENCY_MS',
};

/**
 * Parses `completed=0.7,busy=0.1,no-answer=0.1` (also `no_answer`). Throws with a readable message on an
 * unknown outcome or a bad weight.
 */
export function parseOutcomes(text: string): OutcomeWeights {
  const weights: OutcomeWeights = {};
  for (const part of text
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const [name = '', value = ''] = part.split('=').map((p) => p.trim());
    const outcome = name.toLowerCase().replaceAll('_', '-') as SimOutcome;
    if (!SIM_OUTCOMES.includes(outcome)) {
      throw new Error(`unknown outcome "${name}" (known: ${SIM_OUTCOMES.join(', ')})`);
    }
    const weight = Number(value);
    if (value === '' || !Number.isFinite(weight) || weight < 0) {
      throw new Error(`weight of "${name}" must be a number ≥ 0, got "${value}"`);
    }
    weights[outcome] = weight;
  }
  return weights;
}

const rate = z.number().min(0).max(1);
const millis = z
  .number()
  .int()
  .min(0)
  .max(24 * 60 * 60 * 1000);
const outcomeKey = z.preprocess(
  (key) => (typeof key === 'string' ? key.toLowerCase().replaceAll('_', '-') : key),
  z.enum(SIM_OUTCOMES),
);
const outcomesSchema = z.preprocess(
  (value, ctx) => {
    if (typeof value !== 'string') return value;
    try {
      return parseOutcomes(value);
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: (err as Error).message, input: value });
      return z.NEVER;
    }
  },
  z
    .record(outcomeKey, z.number().min(0))
    .refine((weights) => Object.values(weights).some((w) => (w ?? 0) > 0), {
      message: 'at least one outcome needs a weight above 0',
    }),
) as z.ZodType<OutcomeWeights>;

/** Validates a partial set of knobs (options, env, or a `POST /__sim/config` body). Unknown keys are errors. */
export const knobsPatchSchema = z.strictObject({
  seed: z.number().int().min(0).max(0xffffffff).optional(),
  timeScale: z.number().positive().max(100).optional(),
  outcomes: outcomesSchema.optional(),
  webhookDropRate: rate.optional(),
  webhookDuplicateRate: rate.optional(),
  webhookReorder: z.boolean().optional(),
  webhookReorderWindowMs: millis.optional(),
  webhookMaxAttempts: z.number().int().min(1).max(10).optional(),
  webhookTimeoutMs: z.number().int().min(1).max(120_000).optional(),
  completedDelayMs: millis.optional(),
  queuedWebhook: z.boolean().optional(),
  apiErrorRate: rate.optional(),
  apiRateLimit: z.number().int().min(0).optional(),
  apiRateLimitWindowMs: z.number().int().min(1).max(3_600_000).optional(),
  apiLatencyMs: millis.optional(),
});

/** Defaults overlaid with `partial` (already validated); a missing seed is drawn from the clock. */
export function resolveKnobs(partial: Partial<SimulatorKnobs> = {}): SimulatorKnobs {
  const defined = Object.fromEntries(Object.entries(partial).filter(([, v]) => v !== undefined));
  return {
    ...DEFAULT_KNOBS,
    outcomes: { ...DEFAULT_KNOBS.outcomes },
    seed: (Date.now() ^ Math.floor(Math.random() * 0xffffffff)) >>> 0,
    ...defined,
  };
}

/**
 * Validates a partial knob update and returns it, or throws an `Error` listing every invalid field
 * (`timeScale: Too small…; outcomes: unknown outcome "x"`).
 */
export function parseKnobsPatch(input: unknown): Partial<SimulatorKnobs> {
  const result = knobsPatchSchema.safeParse(input);
  if (!result.success) {
    const problems = result.error.issues.map(
      (issue) => `${issue.path.join('.') || 'config'}: ${issue.message}`,
    );
    throw new Error(problems.join('; '));
  }
  return result.data as Partial<SimulatorKnobs>;
}
