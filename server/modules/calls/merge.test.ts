import { describe, expect, it } from 'vitest';
import { mapExecution } from '../../providers/bolna/mapping.js';
import {
  emptyProviderState,
  mergeSnapshot,
  type CallProviderState,
  type MergeResult,
  type MergeSource,
} from './merge.js';
import { payloadDigest } from './merge-rules.js';
import { reload } from './merge.testing.js';

const ID = '4c5b2a61-8f1e-4d2a-9b7c-0e6f1a2b3c4d';
const T = {
  initiated: '2026-01-28T13:17:50.116924',
  ringing: '2026-01-28T13:17:52.201337',
  inProgress: '2026-01-28T13:17:55.480012',
  disconnected: '2026-01-28T13:18:28.990541',
  completed: '2026-01-28T13:31:02.000001',
};
const utc = (naive: string) => new Date(`${naive.slice(0, 23)}Z`);

/** A Bolna execution object (webhook body = GET /executions/{id}) with fields not filled yet. */
function body(status: string, updatedAt: string | null, extra: Record<string, unknown> = {}) {
  const { telephony_data: telephony, ...rest } = extra;
  return {
    id: ID,
    agent_id: '3c90c3cc-0d44-4b50-8888-8dd25736052a',
    batch_id: null,
    status,
    error_message: null,
    conversation_duration: 0,
    total_cost: 0,
    cost_breakdown: null,
    transcript: null,
    summary: null,
    extracted_data: null,
    created_at: '2026-01-28T13:17:49.900001',
    updated_at: updatedAt,
    initiated_at: T.initiated,
    context_details: { recipient_data: { name: 'Ravi' }, recipient_phone_number: '+919876543210' },
    user_number: '+919876543210',
    agent_number: '+918035735900',
    telephony_data: {
      duration: '',
      to_number: '+919876543210',
      from_number: '+918035735900',
      recording_url: null,
      call_type: 'outbound',
      provider: 'plivo',
      hangup_by: null,
      hangup_reason: null,
      hangup_provider_code: null,
      ...(telephony as Record<string, unknown> | undefined),
    },
    ...rest,
  };
}

const TRANSCRIPT =
  'assistant: Hello, this is Asha from Acme.\nuser: Hi.\nassistant: Can we book a demo?\nuser: Yes.\n';
const completedExtra = {
  conversation_duration: 67.3,
  total_cost: 12.71,
  cost_breakdown: { llm: 1.2, network: 3.01, platform: 4, synthesizer: 3.5, transcriber: 1 },
  transcript: TRANSCRIPT,
  summary: 'The user agreed to a demo.',
  extracted_data: { interested: true },
  telephony_data: {
    duration: '69',
    recording_url: 'https://recordings.example/abc.mp3',
    hangup_by: 'Callee',
    hangup_reason: 'Normal Hangup',
    hangup_provider_code: 4000,
  },
};
const WEBHOOKS = {
  initiated: body('initiated', T.initiated, { telephony_data: { to_number: null } }),
  ringing: body('ringing', T.ringing),
  inProgress: body('in-progress', T.inProgress),
  disconnected: body('call-disconnected', T.disconnected, {
    transcript: 'assistant: Hello, this is Asha from Acme.\nuser: Hi.\n',
    telephony_data: { recording_url: '', hangup_by: 'Callee' },
  }),
  completed: body('completed', T.completed, completedExtra),
};

const fresh = () =>
  emptyProviderState({ status: 'initiated', toNumber: '+919876543210', providerCallId: ID });

/** Merges bodies one after the other (each received 1 s after its provider time), reloading in between. */
function run(start: CallProviderState, steps: [Record<string, unknown>, MergeSource?][]) {
  let state = start;
  const results: MergeResult[] = [];
  for (const [raw, source = 'webhook'] of steps) {
    const snapshot = mapExecution(raw);
    const receivedAt = new Date((snapshot.providerUpdatedAt ?? utc(T.completed)).getTime() + 1000);
    const result = mergeSnapshot(state, snapshot, source, receivedAt);
    results.push(result);
    state = reload(result.next);
  }
  return { state, results };
}

describe('mergeSnapshot: an answered call as Bolna sends it', () => {
  const inOrder = Object.values(WEBHOOKS).map((raw) => [raw] as [Record<string, unknown>]);

  it('fills the call as webhooks arrive and keeps start/end at the provider times of those stages', () => {
    const { state, results } = run(fresh(), inOrder);
    expect(state).toMatchObject({
      status: 'completed',
      duration: 67.3,
      totalCostCents: 12.71,
      transcription: TRANSCRIPT,
      recordingUrl: 'https://recordings.example/abc.mp3',
      hangupBy: 'Callee',
      hangupProviderCode: 4000,
      startedAt: utc(T.inProgress),
      endedAt: utc(T.disconnected),
    });
    expect(results.map((r) => r.verdict)).toEqual(['applied', 'applied', 'applied', 'applied', 'applied']);
    expect(results[2]?.changed).toEqual(['status', 'startedAt']);
    // The 13-minute-late completed moves neither timestamp, and only reports what it really changed.
    expect(results[4]?.changed).toEqual([
      'status',
      'duration',
      'transcription',
      'recordingUrl',
      'summary',
      'extractedData',
      'totalCostCents',
      'costBreakdown',
      'hangupReason',
      'hangupProviderCode',
    ]);
  });

  it('ignores the "" recording_url of call-disconnected and keeps its transcript when a poll omits it', () => {
    const { state } = run(fresh(), [
      [WEBHOOKS.disconnected],
      [{ ...WEBHOOKS.disconnected, transcript: null }, 'poll'],
    ]);
    expect(state.recordingUrl).toBeNull();
    expect(state.transcription).toContain('user: Hi.');
  });

  it('keeps the final transcript when the call-disconnected webhook arrives after completed', () => {
    const { state, results } = run(fresh(), [[WEBHOOKS.completed], [WEBHOOKS.disconnected]]);
    expect(state.status).toBe('completed');
    expect(state.transcription).toBe(TRANSCRIPT);
    // The only changes: start and end, corrected EARLIER to the hang-up time the late webhook reports
    // (without in-progress, the earliest sign of an answered call).
    expect(results[1]?.changed).toEqual(['startedAt', 'endedAt']);
    expect([state.startedAt, state.endedAt]).toEqual([utc(T.disconnected), utc(T.disconnected)]);
    expect(state).toEqual(run(fresh(), [[WEBHOOKS.disconnected], [WEBHOOKS.completed]]).state);
  });

  it('a late ringing changes nothing (stale); the same completed again is a duplicate', () => {
    const { state, results } = run(fresh(), [...inOrder, [WEBHOOKS.ringing], [WEBHOOKS.completed]]);
    expect(results.slice(5).map((r) => [r.verdict, r.changed])).toEqual([
      ['stale', []],
      ['duplicate', []],
    ]);
    expect(state.status).toBe('completed');
  });

  it('a poll repeating known values with a later updated_at refreshes the bookkeeping without a version bump', () => {
    const later = { ...WEBHOOKS.completed, updated_at: '2026-01-28T13:40:00.000000' };
    const { state, results } = run(fresh(), [...inOrder, [later, 'poll']]);
    expect(results[5]).toMatchObject({ verdict: 'applied', changed: [] });
    expect(state.mergeState?.rawDigest).toBe(payloadDigest(later));
  });
});

describe('mergeSnapshot: unanswered and failed calls', () => {
  it('busy: duration 0 is a real value on an empty field; no start time; ends at the busy time', () => {
    const busy = body('busy', '2026-01-28T13:17:58.000000', {
      telephony_data: { hangup_by: 'Carrier', hangup_reason: 'Busy', hangup_provider_code: 17 },
    });
    const { state } = run(fresh(), [[WEBHOOKS.initiated], [WEBHOOKS.ringing], [busy]]);
    expect(state).toMatchObject({ status: 'busy', duration: 0, totalCostCents: 0, hangupReason: 'Busy' });
    expect(state.startedAt).toBeNull();
    expect(state.endedAt).toEqual(new Date('2026-01-28T13:17:58.000Z'));
  });

  it('balance-low (old spelling balance_low) ends a queued call with its error message', () => {
    const low = body('balance_low', '2026-01-28T13:17:51.000000', { error_message: 'Insufficient balance' });
    const { state } = run(emptyProviderState({ status: 'queued' }), [[low]]);
    expect(state).toMatchObject({ status: 'balance_low', errorMessage: 'Insufficient balance' });
    expect(state.providerCallId).toBe(ID);
  });

  it('a completed call with conversation 0 (rejected) gets an end time but no start time', () => {
    const rejected = body('completed', T.completed, { telephony_data: { hangup_reason: 'Call rejected' } });
    const { state } = run(fresh(), [[WEBHOOKS.ringing], [rejected]]);
    expect([state.status, state.duration, state.startedAt]).toEqual(['completed', 0, null]);
    expect(state.endedAt).toEqual(utc(T.completed));
  });
});

describe('mergeSnapshot: terminal statuses and trust', () => {
  const failed = body('failed', '2026-01-28T13:31:05.000000', { error_message: 'Telephony error' });

  it('a terminal status is final for webhooks and replays, whichever came first', () => {
    expect(run(fresh(), [[WEBHOOKS.completed], [failed], [failed, 'replay']]).state.status).toBe('completed');
    expect(run(fresh(), [[failed], [WEBHOOKS.completed]]).state.status).toBe('failed');
  });

  it("the provider's API corrects a terminal status, and later webhooks cannot undo it", () => {
    const { state, results } = run(fresh(), [[WEBHOOKS.completed], [failed, 'poll'], [WEBHOOKS.completed]]);
    expect(results[1]?.changed).toContain('status');
    expect(state.status).toBe('failed');
    expect(state.mergeState?.rawDigest).toBe(payloadDigest(failed));
  });

  it('between API readings the later provider time wins, in either order', () => {
    const a = run(fresh(), [
      [WEBHOOKS.completed, 'poll'],
      [failed, 'sync'],
    ]).state;
    const b = run(fresh(), [
      [failed, 'sync'],
      [WEBHOOKS.completed, 'poll'],
    ]).state;
    expect([a.status, b.status]).toEqual(['failed', 'failed']);
    expect(a).toEqual(b);
  });

  it("the API's terminal values outrank a webhook's, even a later one (billing fields confirmed)", () => {
    const forged = { ...WEBHOOKS.completed, total_cost: 99999, updated_at: '2026-01-28T13:50:00.000000' };
    const { state } = run(fresh(), [[WEBHOOKS.completed, 'poll'], [forged]]);
    expect(state.totalCostCents).toBe(12.71);
  });
});

describe('mergeSnapshot: edge cases', () => {
  it('an unknown status merges fields into empty slots but leaves the status alone', () => {
    const odd = body('transferring', '2026-01-28T13:18:10.000000', { summary: 'Transferred to sales.' });
    const { state } = run(fresh(), [[WEBHOOKS.inProgress], [odd], [WEBHOOKS.completed]]);
    expect(state.status).toBe('completed');
    expect(state.summary).toBe('The user agreed to a demo.');
    expect(run(fresh(), [[WEBHOOKS.inProgress], [odd]]).state).toMatchObject({
      status: 'in_progress',
      summary: 'Transferred to sales.',
    });
  });

  it('without provider times, uses receipt time; the provider time for the stage then corrects it earlier', () => {
    const noTime = { ...WEBHOOKS.inProgress, updated_at: null };
    const start = fresh();
    const late = mergeSnapshot(start, mapExecution(noTime), 'webhook', new Date('2026-01-28T13:18:00.000Z'));
    expect(late.next.startedAt).toEqual(new Date('2026-01-28T13:18:00.000Z'));
    expect(late.next.mergeState?.startedAtFrom).toBe('received');
    const fixed = mergeSnapshot(late.next, mapExecution(WEBHOOKS.inProgress), 'poll', new Date());
    expect(fixed.next.startedAt).toEqual(utc(T.inProgress));
    expect(fixed.next.mergeState?.startedAtFrom).toBe('provider');
  });

  it('equally advanced snapshots with different values settle on the same value in either order', () => {
    const short = { ...WEBHOOKS.disconnected, transcript: 'assistant: Hello.\n' };
    const a = run(fresh(), [[short], [WEBHOOKS.disconnected]]).state;
    const b = run(fresh(), [[WEBHOOKS.disconnected], [short]]).state;
    expect(a).toEqual(b);
    expect(a.transcription).toBe(WEBHOOKS.disconnected.transcript);
  });

  it('rounds to the column scale so a reloaded row compares equal (no version bump on re-delivery)', () => {
    const precise = { ...WEBHOOKS.completed, conversation_duration: 67.34567, total_cost: 12.712345678 };
    const { state, results } = run(fresh(), [[precise], [precise]]);
    expect([state.duration, state.totalCostCents]).toEqual([67.346, 12.7123]);
    expect(results[1]).toMatchObject({ verdict: 'duplicate', changed: [] });
  });

  it('takes the direction only from telephony_data.call_type, and identities are set once', () => {
    const inbound = body('in-progress', T.inProgress, {
      telephony_data: { call_type: 'inbound', to_number: '+918035735900', from_number: '+919876543210' },
    });
    const start = emptyProviderState({ status: 'initiated', providerAgentId: null });
    const ringing = { ...inbound, status: 'ringing', updated_at: T.ringing, telephony_data: null };
    const { state } = run(start, [[ringing], [inbound]]);
    expect(state).toMatchObject({ direction: 'inbound', providerCallId: ID, toNumber: '+918035735900' });
    expect(state.providerAgentId).toBe('3c90c3cc-0d44-4b50-8888-8dd25736052a');
    const other = run(state, [[{ ...inbound, agent_id: 'someone-else' }]]).state;
    expect(other.providerAgentId).toBe('3c90c3cc-0d44-4b50-8888-8dd25736052a');
    expect('providerAgentId' in run(fresh(), [[inbound]]).state).toBe(false);
  });

  it('the same terminal status pushed twice with different times keeps the earliest, in either order', () => {
    const again = { ...WEBHOOKS.completed, updated_at: '2026-01-28T13:32:00.000000' };
    const a = run(fresh(), [[WEBHOOKS.completed], [again]]).state;
    const b = run(fresh(), [[again], [WEBHOOKS.completed]]).state;
    expect(a).toEqual(b);
    expect(a.mergeState?.terminal).toEqual({ api: false, at: utc(T.completed).toISOString() });
  });

  it('keeps a jsonb-friendly mergeState (survives JSON as is)', () => {
    const { state } = run(
      fresh(),
      Object.values(WEBHOOKS).map((raw) => [raw] as [Record<string, unknown>]),
    );
    expect(JSON.parse(JSON.stringify(state.mergeState))).toEqual(state.mergeState);
    expect(state.mergeState).toMatchObject({ v: 1, terminal: { api: false }, startedAtFrom: 'provider' });
  });
});
