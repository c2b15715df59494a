/**
 * Test helpers for the call merge: Bolna-shaped execution bodies (as webhooks and GET /executions send
 * them: full snapshots, naive UTC timestamps with microseconds, fields filling late) and fast-check
 * arbitraries for one call's deliveries. Used by merge.test.ts and merge.property.test.ts only.
 */

import fc from 'fast-check';
import { mapExecution, type ProviderCallSnapshot } from '../../providers/bolna/mapping.js';
import { emptyProviderState, mergeSnapshot, type CallProviderState, type MergeResult } from './merge.js';
import type { MergeSource } from './merge.js';

/** One delivery of one snapshot to the merge. */
export interface Delivery {
  label: string;
  source: MergeSource;
  body: Record<string, unknown>;
  snapshot: ProviderCallSnapshot;
  receivedAt: Date;
}

export type Outcome = 'answered' | 'busy' | 'no_answer' | 'failed' | 'error' | 'balance_low';

/** Bolna's status path for each outcome (hyphenated, as sent). */
export const PATHS: Record<Outcome, string[]> = {
  answered: ['initiated', 'ringing', 'in-progress', 'call-disconnected', 'completed'],
  busy: ['initiated', 'ringing', 'busy'],
  no_answer: ['initiated', 'ringing', 'no-answer'],
  failed: ['initiated', 'failed'],
  error: ['initiated', 'ringing', 'in-progress', 'error'],
  balance_low: ['queued', 'balance-low'],
};

/** How far the fields have filled in one non-final snapshot. */
export interface StageShape {
  transcript: 'none' | 'partial' | 'full';
  durationKnown: boolean;
  /** Empty fields as Bolna sends them before completion: null, or 0 / "" / {}. */
  zeros: boolean;
  /** Some payloads lack `updated_at`: the merge must then fall back on receipt time. */
  dropUpdatedAt: boolean;
}

/** What is true about one call, from which every snapshot of it is derived. */
export interface CallFacts {
  id: string;
  outcome: Outcome;
  to: string;
  from: string;
  inbound: boolean;
  startMs: number;
  /** Milliseconds after `startMs` of each status of the path (strictly increasing). */
  offsets: number[];
  conversation: number;
  costParts: Record<string, number>;
  transcriptLines: string[];
}

/** A naive UTC timestamp with microseconds, as real Bolna payloads carry. */
export function naive(ms: number, micros = 421): string {
  return `${new Date(ms).toISOString().slice(0, 23)}${String(micros).padStart(3, '0')}`;
}

const TERMINAL_FACTS: Record<string, { by: string; reason: string; code: number; error: string | null }> = {
  completed: { by: 'Callee', reason: 'Normal Hangup', code: 4000, error: null },
  busy: { by: 'Carrier', reason: 'Busy', code: 17, error: null },
  'no-answer': { by: 'Carrier', reason: 'No Answer', code: 19, error: null },
  failed: { by: 'Error', reason: 'Invalid number', code: 28, error: 'Call failed: number unreachable' },
  error: { by: 'Error', reason: 'Media error', code: 41, error: 'LLM timeout' },
  'balance-low': { by: 'API Request', reason: 'Balance low', code: 0, error: 'Insufficient balance' },
};

const NO_COST = { llm: 0, network: 0, platform: 0, synthesizer: 0, transcriber: 0 };

/**
 * The execution object Bolna would send for stage `index` of the call's path; `laterMs` (below the gap
 * to the next status) describes the same status read a little later, as a poll may see it.
 */
export function executionBody(
  facts: CallFacts,
  index: number,
  shape: StageShape,
  laterMs = 0,
): Record<string, unknown> {
  const path = PATHS[facts.outcome];
  const status = path[index] as string;
  const final = index === path.length - 1;
  const terminal = final ? TERMINAL_FACTS[status] : undefined;
  const talked = facts.outcome === 'answered' || facts.outcome === 'error';
  const conversation = talked ? facts.conversation : 0;
  const total = Object.values(facts.costParts).reduce((sum, part) => sum + part * 100, 0) / 100;
  const empty = <T>(zero: T): T | null => (shape.zeros ? zero : null);
  const full = facts.transcriptLines.map((line) => `${line}\n`).join('');
  const partial = facts.transcriptLines.slice(0, Math.max(1, facts.transcriptLines.length - 1)).join('\n');
  let transcript: string | null = empty('');
  if (talked && (final || shape.transcript === 'full')) transcript = full;
  else if (talked && shape.transcript === 'partial') transcript = partial;
  const disconnected = status === 'call-disconnected' || (final && talked);
  const at = (i: number) => naive(facts.startMs + (facts.offsets[i] ?? 0), 100 + i);
  const initiated = path.indexOf('initiated');
  return {
    id: facts.id,
    agent_id: 'a9f1c2d3-0000-4000-8000-00000000a9e7',
    batch_id: null,
    status,
    smart_status: null,
    error_message: terminal?.error ?? null,
    answered_by_voice_mail: final ? false : null,
    conversation_duration: final || shape.durationKnown ? conversation : empty(0),
    total_cost: final ? (talked ? total : 0) : empty(0),
    cost_breakdown: final ? (talked ? facts.costParts : NO_COST) : empty(NO_COST),
    transcript,
    summary: final && talked ? 'The caller asked for a demo next week.' : null,
    extracted_data: final && talked ? { interested: true, slot: 'tuesday' } : empty({}),
    created_at: naive(facts.startMs - 800),
    updated_at: shape.dropUpdatedAt ? null : naive(facts.startMs + (facts.offsets[index] ?? 0) + laterMs, 7),
    initiated_at: initiated >= 0 && index >= initiated ? at(initiated) : null,
    scheduled_at: null,
    context_details: { recipient_data: { name: 'Ravi' }, recipient_phone_number: facts.to },
    user_number: facts.to,
    agent_number: facts.from,
    telephony_data:
      index === 0
        ? null
        : {
            duration: final ? String(Math.round(conversation)) : '',
            to_number: facts.inbound ? facts.from : facts.to,
            from_number: facts.inbound ? facts.to : facts.from,
            recording_url: final && talked ? `https://rec.example/${facts.id}.mp3` : disconnected ? '' : null,
            provider_call_id: `CA${facts.id.slice(0, 8)}`,
            call_type: facts.inbound ? 'inbound' : 'outbound',
            provider: 'plivo',
            hangup_by: terminal?.by ?? (status === 'call-disconnected' ? 'Callee' : null),
            hangup_reason: terminal?.reason ?? null,
            hangup_provider_code: terminal?.code ?? null,
          },
  };
}

/** A delivery of `body` from `source`, received `delayMs` after the provider time `providerMs`. */
export function delivery(
  label: string,
  body: Record<string, unknown>,
  source: MergeSource,
  providerMs: number,
  delayMs = 1500,
): Delivery {
  return { label, source, body, snapshot: mapExecution(body), receivedAt: new Date(providerMs + delayMs) };
}

/** One call's deliveries in provider order: each status's webhook, then any polls/replays of it. */
export interface Lifecycle {
  facts: CallFacts;
  initial: CallProviderState;
  deliveries: Delivery[];
}

const GAPS_MS: [number, number][] = [
  [1_000, 4_000],
  [2_000, 8_000],
  [10_000, 300_000],
  [60_000, 900_000],
  [60_000, 900_000],
];

/** True about once in `n` draws. */
const oneIn = (n: number) => fc.integer({ min: 1, max: n }).map((k) => k === 1);

const shapeArb: fc.Arbitrary<StageShape> = fc.record({
  transcript: fc.constantFrom('none', 'partial', 'full'),
  durationKnown: fc.boolean(),
  zeros: fc.boolean(),
  dropUpdatedAt: oneIn(8),
});

const factsArb: fc.Arbitrary<CallFacts> = fc
  .record({
    outcome: fc.constantFrom<Outcome>(
      'answered',
      'answered',
      'busy',
      'no_answer',
      'failed',
      'error',
      'balance_low',
    ),
    inbound: oneIn(5),
    startMs: fc.integer({ min: Date.UTC(2025, 0, 1), max: Date.UTC(2027, 0, 1) }),
    gaps: fc.tuple(...GAPS_MS.map(([min, max]) => fc.integer({ min, max }))),
    tenths: fc.integer({ min: 10, max: 6000 }),
    cents: fc.array(fc.integer({ min: 1, max: 900 }), { minLength: 5, maxLength: 5 }),
    lines: fc.integer({ min: 1, max: 6 }),
  })
  .map(({ outcome, inbound, startMs, gaps, tenths, cents, lines }) => {
    const offsets = [0];
    for (const gap of gaps) offsets.push((offsets.at(-1) ?? 0) + gap);
    const names = ['llm', 'network', 'platform', 'synthesizer', 'transcriber'];
    return {
      id: `4c5b2a61-8f1e-4d2a-9b7c-${String(startMs).slice(-12).padStart(12, '0')}`,
      outcome,
      to: '+919876543210',
      from: '+918035735900',
      inbound,
      startMs,
      offsets,
      conversation: tenths / 10,
      costParts: Object.fromEntries(names.map((name, i) => [name, (cents[i] ?? 1) / 100])),
      transcriptLines: Array.from({ length: lines }, (_, i) =>
        i % 2 === 0 ? `assistant: Hello, this is Asha, turn ${i}.` : `user: Yes, turn ${i}.`,
      ),
    };
  });

const extraArb = fc.record({
  stage: fc.nat(),
  source: fc.constantFrom<MergeSource>('poll', 'poll', 'sync', 'replay'),
  delayMs: fc.integer({ min: 100, max: 900 }),
  /** A poll that read the same status later, with fields filled differently (and a later updated_at). */
  later: fc.option(fc.record({ shape: shapeArb, afterMs: fc.integer({ min: 1, max: 900 }) }), { freq: 2 }),
});

/** A realistic call: its webhooks in order, polls of the state at various moments, and replays. */
export const lifecycleArb: fc.Arbitrary<Lifecycle> = factsArb.chain((facts) => {
  const length = PATHS[facts.outcome].length;
  return fc
    .record({
      shapes: fc.array(shapeArb, { minLength: length, maxLength: length }),
      extras: fc.array(extraArb, { maxLength: 5 }),
      initialStatus: fc.constantFrom('queued' as const, 'initiated' as const),
      knowsId: fc.boolean(),
    })
    .map(({ shapes, extras, initialStatus, knowsId }) => {
      const bodies = shapes.map((shape, i) => executionBody(facts, i, shape));
      const timeOf = (i: number) => facts.startMs + (facts.offsets[i] ?? 0);
      const deliveries: Delivery[] = [];
      bodies.forEach((body, i) => {
        deliveries.push(delivery(`webhook:${String(body.status)}`, body, 'webhook', timeOf(i), 50));
        const here = extras.filter((e) => e.stage % length === i);
        here.sort((a, b) => (a.later?.afterMs ?? 0) - (b.later?.afterMs ?? 0));
        for (const { source, delayMs, later } of here) {
          const label = `${source}:${String(body.status)}${later ? `+${later.afterMs}ms` : ''}`;
          const read = later && source !== 'replay' ? later : null;
          const copy = read ? executionBody(facts, i, read.shape, read.afterMs) : body;
          deliveries.push(delivery(label, copy, source, timeOf(i) + (read?.afterMs ?? 0), delayMs));
        }
      });
      const initial = emptyProviderState({
        status: initialStatus,
        toNumber: facts.inbound ? null : facts.to,
        fromNumber: facts.inbound ? null : facts.from,
        providerCallId: knowsId ? facts.id : null,
      });
      return { facts, initial, deliveries };
    });
});

/** What the database gives back after storing a state (jsonb reorders keys; values survive as JSON). */
export function reload(state: CallProviderState): CallProviderState {
  const json = <T>(value: T): T => (value === null ? value : (JSON.parse(JSON.stringify(value)) as T));
  return {
    ...state,
    extractedData: json(state.extractedData),
    costBreakdown: json(state.costBreakdown),
    mergeState: json(state.mergeState),
  };
}

/** Merges deliveries one after the other, storing and reloading between steps like the caller does. */
export function fold(
  initial: CallProviderState,
  deliveries: readonly Delivery[],
): { state: CallProviderState; steps: { before: CallProviderState; result: MergeResult; d: Delivery }[] } {
  let state = initial;
  const steps: { before: CallProviderState; result: MergeResult; d: Delivery }[] = [];
  for (const d of deliveries) {
    const result = mergeSnapshot(state, d.snapshot, d.source, d.receivedAt);
    steps.push({ before: state, result, d });
    state = reload(result.next);
  }
  return { state, steps };
}
