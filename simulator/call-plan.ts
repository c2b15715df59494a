import type { OutcomeWeights, SimOutcome } from './knobs.js';
import { Rng } from './random.js';

/**
 * Everything a simulated call will turn out to be, decided once when the call is accepted from the seed
 * and the call's sequence number only. Timing of deliveries, drops and the clock never influence it, so
 * the same seed gives the same calls whatever the webhook knobs say.
 */
export interface CallPlan {
  executionId: string;
  outcome: SimOutcome;
  /** Bolna's final status for this outcome. */
  finalStatus: string;
  /** Conversation seconds (float), 0 when nobody talked. */
  conversationSeconds: number;
  /** Whole seconds of ringing before answer/busy/no-answer. */
  ringSeconds: number;
  postDialDelay: number;
  telephonyCallId: string;
  transcript: string | null;
  /** Whether `call-disconnected` already carries the transcript (Bolna: sometimes). */
  transcriptAtDisconnect: boolean;
  summary: string | null;
  extractedData: Record<string, unknown> | null;
  /** Cents, two decimals; equals the sum of `costBreakdown` exactly. */
  totalCost: number;
  costBreakdown: CostBreakdown;
  usageBreakdown: Record<string, number> | null;
  hangup: { by: string; reason: string; code: number } | null;
  errorMessage: string | null;
  hasRecording: boolean;
  /** Milliseconds from `initiated` to `failed`/`error`. */
  failAfterMs: number;
}

/** Cents per component, as in Bolna's `cost_breakdown`. */
export interface CostBreakdown {
  llm: number;
  network: number;
  platform: number;
  synthesizer: number;
  transcriber: number;
}

const ZERO_COST: CostBreakdown = { llm: 0, network: 0, platform: 0, synthesizer: 0, transcriber: 0 };

const USER_LINES = [
  'Hi, yes, who is this?',
  'Sure, I have a couple of minutes.',
  'Can you tell me a bit more about the pricing?',
  'That sounds interesting, actually.',
  "I'm a little busy right now, could you call back tomorrow?",
  'What would the next steps be?',
  'Okay, please send me the details on WhatsApp.',
  'Do you support Hindi as well?',
  "No, I think that's all. Thank you.",
];
const ASSISTANT_LINES = [
  "Of course, I'll keep it brief.",
  'Great question. Plans start at a small monthly fee and you can cancel any time.',
  'I understand. Would a callback tomorrow at 11 am work for you?',
  "Perfect, I've noted that down.",
  "I'll send the details right after this call.",
  'Yes, we support Hindi, English and several other Indian languages.',
  'Is there anything else I can help you with?',
];
const DEFAULT_WELCOME = 'Hello! This is an automated assistant calling. Do you have a minute?';

/** Inputs of a plan that come from the request and the agent, not from randomness. */
export interface PlanContext {
  seed: number;
  sequence: number;
  outcomes: OutcomeWeights;
  welcomeMessage: string | null;
  recipient: string;
  userData: Record<string, unknown> | null;
}

/** Decides the whole call from `seed` + `sequence` (the `content` stream). */
export function planCall(ctx: PlanContext): CallPlan {
  const rng = Rng.stream(ctx.seed, 'content', ctx.sequence);
  const executionId = rng.uuid();
  const telephonyCallId = rng.uuid();
  const outcome = rng.weighted(ctx.outcomes);
  const talked = outcome === 'completed';
  const conversationSeconds = talked ? Math.round(rng.between(20, 60) * 1000) / 1000 : 0;
  const ringSeconds = outcome === 'no-answer' ? rng.int(25, 40) : rng.int(2, 7);
  const postDialDelay = rng.int(1, 3);
  const transcript = talked ? buildTranscript(rng, ctx, conversationSeconds) : null;
  const extracted = talked ? extract(rng) : null;
  const minutes = (conversationSeconds + (talked ? ringSeconds : 0)) / 60;
  const costBreakdown = talked ? priceCall(rng, conversationSeconds / 60, minutes) : { ...ZERO_COST };
  return {
    executionId,
    outcome,
    finalStatus: outcome === 'rejected' ? 'completed' : outcome,
    conversationSeconds,
    ringSeconds,
    postDialDelay,
    telephonyCallId,
    transcript,
    transcriptAtDisconnect: talked && rng.chance(0.5),
    summary: extracted ? summarise(extracted) : null,
    extractedData: extracted,
    totalCost: sumCents(costBreakdown),
    costBreakdown,
    usageBreakdown: talked
      ? {
          llmTokens: Math.round(conversationSeconds * rng.between(18, 30)),
          synthesizerCharacters: Math.round(conversationSeconds * rng.between(6, 10)),
          transcriberDuration: conversationSeconds,
        }
      : null,
    hangup: hangupFor(outcome, rng),
    errorMessage: errorFor(outcome, ctx.recipient),
    hasRecording: talked,
    failAfterMs: rng.int(500, 2500),
  };
}

function buildTranscript(rng: Rng, ctx: PlanContext, seconds: number): string {
  const welcome = fillTemplate(ctx.welcomeMessage?.trim() || DEFAULT_WELCOME, ctx.userData);
  const turns = Math.min(USER_LINES.length, ASSISTANT_LINES.length, Math.max(2, Math.round(seconds / 8)));
  const users = inOrderSample(rng, USER_LINES, turns - 1);
  const assistants = inOrderSample(rng, ASSISTANT_LINES, turns - 1);
  const lines = [`assistant: ${welcome}`];
  for (let i = 0; i < turns - 1; i += 1) {
    lines.push(`user: ${users[i]}`, `assistant: ${assistants[i]}`);
  }
  lines.push('user: Thank you, bye.', 'assistant: Thank you for your time. Have a great day!');
  return `${lines.join('\n')}\n`;
}

/** `count` items of `pool` in their original order, so the conversation still reads naturally. */
function inOrderSample(rng: Rng, pool: readonly string[], count: number): string[] {
  const picked = rng.shuffle(pool.map((_, index) => index)).slice(0, count);
  return picked.sort((a, b) => a - b).map((index) => pool[index]!);
}

function fillTemplate(text: string, data: Record<string, unknown> | null): string {
  return text.replace(/\{(\w+)\}/g, (whole, key: string) => {
    const value = data?.[key];
    return typeof value === 'string' || typeof value === 'number' ? String(value) : whole;
  });
}

function extract(rng: Rng): Record<string, unknown> {
  return {
    interested: rng.chance(0.55),
    callback_requested: rng.chance(0.3),
    sentiment: rng.pick(['positive', 'neutral', 'negative'] as const),
    preferred_language: rng.pick(['English', 'Hindi'] as const),
  };
}

function summarise(data: Record<string, unknown>): string {
  const interest = data.interested ? 'showed interest in the offer' : 'was not interested at this time';
  const callback = data.callback_requested ? ' They asked for a callback.' : '';
  return `The assistant introduced itself and explained the offer. The user ${interest}.${callback} Overall sentiment was ${String(data.sentiment)}.`;
}

/** Prices a conversation in hundredths of a cent, so the parts add up to the total exactly. */
function priceCall(rng: Rng, talkMinutes: number, billedMinutes: number): CostBreakdown {
  const part = (centsPerMinute: number, minutes: number) => Math.round(centsPerMinute * minutes * 100) / 100;
  return {
    llm: part(rng.between(0.6, 1.5), talkMinutes),
    network: part(rng.between(0.8, 1.5), billedMinutes),
    platform: part(2, billedMinutes),
    synthesizer: part(rng.between(1, 3), talkMinutes),
    transcriber: part(rng.between(0.4, 0.8), talkMinutes),
  };
}

/** Sum of the parts, computed on integer hundredths so `total === parts` to two decimals. */
export function sumCents(parts: CostBreakdown): number {
  const hundredths = Object.values(parts).reduce((sum, cents) => sum + Math.round(cents * 100), 0);
  return hundredths / 100;
}

function hangupFor(outcome: SimOutcome, rng: Rng): CallPlan['hangup'] {
  switch (outcome) {
    case 'completed':
      return { by: rng.pick(['Callee', 'Caller'] as const), reason: 'Normal Hangup', code: 4000 };
    case 'rejected':
      return { by: 'Callee', reason: 'Call Rejected', code: 3030 };
    case 'busy':
      return { by: 'Callee', reason: 'Busy Line', code: 3010 };
    case 'no-answer':
      return { by: 'Carrier', reason: 'No Answer', code: 3020 };
    case 'failed':
      return { by: 'Carrier', reason: 'Unallocated Number', code: 2000 };
    case 'error':
      return { by: 'Error', reason: 'Internal Error', code: 5000 };
    case 'balance-low':
      return null;
  }
}

function errorFor(outcome: SimOutcome, recipient: string): string | null {
  switch (outcome) {
    case 'failed':
      return `Call failed: the carrier could not route the call to ${recipient}.`;
    case 'error':
      return 'An internal error occurred while connecting the call.';
    case 'balance-low':
      return 'Your account balance is too low to place this call. Please recharge your Bolna wallet.';
    default:
      return null;
  }
}
