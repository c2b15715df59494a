import { describe, expect, it } from 'vitest';
import { BolnaPayloadError } from './errors.js';
import {
  STATUS_RANK,
  isTerminalStatus,
  mapExecution,
  normaliseBolnaStatus,
  parseProviderTime,
  type CallStatus,
} from './mapping.js';

/** A `completed` webhook as captured from real Bolna calls (naive microsecond timestamps, string duration). */
function completedPayload(): Record<string, unknown> {
  return {
    id: '4c5b2a61-8f1e-4d2a-9b7c-0e6f1a2b3c4d',
    agent_id: '3c90c3cc-0d44-4b50-8888-8dd25736052a',
    batch_id: null,
    status: 'completed',
    smart_status: null,
    error_message: null,
    answered_by_voice_mail: false,
    conversation_duration: 67.3,
    total_cost: 12.71,
    cost_breakdown: { llm: 1.2, network: 3.01, platform: 4, synthesizer: 3.5, transcriber: 1 },
    usage_breakdown: { llmTokens: 1200 },
    transcript: 'assistant: Hello, this is Asha from Acme.\nuser: Hi.\n',
    summary: 'The user agreed to a demo.',
    extracted_data: { interested: true },
    created_at: '2026-01-28T13:17:50.116924',
    updated_at: '2026-01-28T13:31:02.000001',
    initiated_at: '2026-01-28T13:17:51.5',
    scheduled_at: null,
    context_details: { recipient_data: { name: 'Ravi' }, recipient_phone_number: '+919876543210' },
    user_number: '+919876543210',
    agent_number: '+918035735900',
    telephony_data: {
      duration: '69',
      to_number: '+919876543210',
      from_number: '+918035735900',
      recording_url: 'https://recordings.example/abc.mp3',
      provider_call_id: 'CA123',
      call_type: 'outbound',
      provider: 'plivo',
      hangup_by: 'Callee',
      hangup_reason: 'Normal Hangup',
      hangup_provider_code: 4000,
      ring_duration: 4,
      post_dial_delay: 1,
    },
    some_future_field: { kept: true },
  };
}

describe('mapExecution', () => {
  it('maps a completed webhook to our call fields, keeping cents and fractions as reported', () => {
    const snap = mapExecution(completedPayload());
    expect(snap).toMatchObject({
      providerCallId: '4c5b2a61-8f1e-4d2a-9b7c-0e6f1a2b3c4d',
      providerAgentId: '3c90c3cc-0d44-4b50-8888-8dd25736052a',
      batchId: null,
      status: 'completed',
      rawStatus: 'completed',
      duration: 67.3,
      totalCostCents: 12.71,
      costBreakdown: { llm: 1.2, network: 3.01, platform: 4, synthesizer: 3.5, transcriber: 1 },
      transcription: 'assistant: Hello, this is Asha from Acme.\nuser: Hi.\n',
      summary: 'The user agreed to a demo.',
      extractedData: { interested: true },
      recordingUrl: 'https://recordings.example/abc.mp3',
      hangupBy: 'Callee',
      hangupReason: 'Normal Hangup',
      hangupProviderCode: 4000,
      errorMessage: null,
      answeredByVoiceMail: false,
      direction: 'outbound',
      toNumber: '+919876543210',
      fromNumber: '+918035735900',
    });
    expect(snap.providerCreatedAt?.toISOString()).toBe('2026-01-28T13:17:50.116Z');
    expect(snap.providerUpdatedAt?.toISOString()).toBe('2026-01-28T13:31:02.000Z');
    expect(snap.initiatedAt?.toISOString()).toBe('2026-01-28T13:17:51.500Z');
    expect(snap.raw.some_future_field).toEqual({ kept: true });
  });

  it('reads an early snapshot (fields not filled yet) as unknown, not as zero or empty data', () => {
    const snap = mapExecution({
      id: 'e1',
      status: 'call-disconnected',
      conversation_duration: null,
      total_cost: null,
      cost_breakdown: null,
      transcript: '',
      summary: '',
      extracted_data: {},
      error_message: '',
      telephony_data: { duration: '', recording_url: '', hangup_provider_code: '' },
    });
    expect(snap).toMatchObject({
      status: 'call_disconnected',
      duration: null,
      totalCostCents: null,
      costBreakdown: null,
      transcription: null,
      summary: null,
      extractedData: null,
      errorMessage: null,
      recordingUrl: null,
      hangupProviderCode: null,
      answeredByVoiceMail: null,
    });
  });

  it("reads Bolna's 0 placeholders before a final status as unknown", () => {
    const snap = mapExecution({
      id: 'e0',
      status: 'call-disconnected',
      conversation_duration: 0,
      total_cost: 0,
      cost_breakdown: { llm: 0, network: 0, platform: 0, synthesizer: 0, transcriber: 0 },
      telephony_data: { duration: '0' },
    });
    expect(snap).toMatchObject({ duration: null, totalCostCents: null, costBreakdown: null });
    expect(mapExecution({ id: 'e0', status: 'in-progress', conversation_duration: 12.5 }).duration).toBe(
      12.5,
    );
  });

  it('keeps a reported 0 (a rejected call can be completed with duration 0)', () => {
    const snap = mapExecution({ id: 'e2', status: 'completed', conversation_duration: 0, total_cost: 0 });
    expect(snap.duration).toBe(0);
    expect(snap.totalCostCents).toBe(0);
  });

  it('falls back to conversation_time, then to the string telephony duration', () => {
    expect(mapExecution({ id: 'a', conversation_time: 41.25 }).duration).toBe(41.25);
    expect(mapExecution({ id: 'b', telephony_data: { duration: '69' } }).duration).toBe(69);
    expect(mapExecution({ id: 'c', conversation_duration: 12.5, conversation_time: 99 }).duration).toBe(12.5);
  });

  it('accepts execution_id instead of id, and the old balance_low spelling', () => {
    const snap = mapExecution({ execution_id: 'x-1', status: 'balance_low', error_message: 'Low balance' });
    expect(snap.providerCallId).toBe('x-1');
    expect(snap.status).toBe('balance_low');
    expect(snap.errorMessage).toBe('Low balance');
  });

  it('takes numbers from context_details and user/agent numbers when telephony_data is missing', () => {
    const outbound = mapExecution({
      id: 'o',
      context_details: { recipient_phone_number: '+14155550100' },
      agent_number: '+14155550199',
    });
    expect(outbound).toMatchObject({
      direction: 'outbound',
      toNumber: '+14155550100',
      fromNumber: '+14155550199',
    });
    const inbound = mapExecution({
      id: 'i',
      user_number: '+14155550100',
      agent_number: '+14155550199',
      telephony_data: { call_type: 'inbound' },
    });
    expect(inbound).toMatchObject({
      direction: 'inbound',
      toNumber: '+14155550199',
      fromNumber: '+14155550100',
    });
  });

  it('keeps an unknown status raw and maps it to null', () => {
    const snap = mapExecution({ id: 'u', status: 'transferring' });
    expect(snap.status).toBeNull();
    expect(snap.rawStatus).toBe('transferring');
  });

  it('reads extracted_data sent as a JSON string and hangup codes sent as strings', () => {
    const snap = mapExecution({
      id: 's',
      extracted_data: '{"interested": false}',
      telephony_data: { hangup_provider_code: '3010' },
    });
    expect(snap.extractedData).toEqual({ interested: false });
    expect(snap.hangupProviderCode).toBe(3010);
  });

  it('refuses payloads that cannot be tied to a call', () => {
    expect(() => mapExecution(null)).toThrow(BolnaPayloadError);
    expect(() => mapExecution([])).toThrow(BolnaPayloadError);
    expect(() => mapExecution({ status: 'completed' })).toThrow(/neither "id" nor "execution_id"/);
  });
});

describe('normaliseBolnaStatus', () => {
  it.each([
    ['scheduled', 'queued'],
    ['rescheduled', 'queued'],
    ['queued', 'queued'],
    ['initiated', 'initiated'],
    ['ringing', 'ringing'],
    ['in-progress', 'in_progress'],
    ['IN_PROGRESS', 'in_progress'],
    ['call-disconnected', 'call_disconnected'],
    ['completed', 'completed'],
    ['busy', 'busy'],
    ['no-answer', 'no_answer'],
    ['canceled', 'canceled'],
    ['cancelled', 'canceled'],
    ['failed', 'failed'],
    ['stopped', 'stopped'],
    ['error', 'error'],
    ['balance-low', 'balance_low'],
    ['balance_low', 'balance_low'],
  ])('%s → %s', (raw, ours) => {
    expect(normaliseBolnaStatus(raw)).toBe(ours);
  });

  it('returns null for unknown or missing statuses', () => {
    expect(normaliseBolnaStatus('forwarding')).toBeNull();
    expect(normaliseBolnaStatus('')).toBeNull();
    expect(normaliseBolnaStatus(null)).toBeNull();
    expect(normaliseBolnaStatus(3)).toBeNull();
  });
});

describe('STATUS_RANK and isTerminalStatus', () => {
  it('orders the path queued < initiated < ringing < in_progress < call_disconnected < terminal', () => {
    const path: CallStatus[] = [
      'queued',
      'initiated',
      'ringing',
      'in_progress',
      'call_disconnected',
      'completed',
    ];
    const ranks = path.map((status) => STATUS_RANK[status]);
    expect(ranks).toEqual([...ranks].sort((a, b) => a - b));
    expect(new Set(ranks).size).toBe(path.length);
  });

  it('treats every ending as terminal but not call_disconnected', () => {
    for (const status of [
      'completed',
      'busy',
      'no_answer',
      'failed',
      'canceled',
      'stopped',
      'error',
      'balance_low',
    ] as const) {
      expect(isTerminalStatus(status)).toBe(true);
      expect(STATUS_RANK[status]).toBe(STATUS_RANK.completed);
    }
    for (const status of ['queued', 'initiated', 'ringing', 'in_progress', 'call_disconnected'] as const) {
      expect(isTerminalStatus(status)).toBe(false);
    }
    expect(isTerminalStatus(null)).toBe(false);
  });
});

describe('parseProviderTime', () => {
  it('reads naive timestamps as UTC, microseconds tolerated', () => {
    expect(parseProviderTime('2026-01-28T13:17:50.116924')?.toISOString()).toBe('2026-01-28T13:17:50.116Z');
    expect(parseProviderTime('2026-01-28 13:17:50')?.toISOString()).toBe('2026-01-28T13:17:50.000Z');
  });

  it('honours Z and numeric offsets', () => {
    expect(parseProviderTime('2026-01-28T13:17:50Z')?.toISOString()).toBe('2026-01-28T13:17:50.000Z');
    expect(parseProviderTime('2026-01-28T18:47:50.5+05:30')?.toISOString()).toBe('2026-01-28T13:17:50.500Z');
    expect(parseProviderTime('2026-01-28T08:17:50-0500')?.toISOString()).toBe('2026-01-28T13:17:50.000Z');
  });

  it('reads epoch seconds and milliseconds', () => {
    expect(parseProviderTime(1769606270)?.toISOString()).toBe('2026-01-28T13:17:50.000Z');
    expect(parseProviderTime(1769606270116)?.toISOString()).toBe('2026-01-28T13:17:50.116Z');
  });

  it('returns null for empty or invalid values instead of a fake date', () => {
    for (const value of [
      '',
      null,
      undefined,
      'yesterday',
      '2026-02-30T10:00:00',
      '2026-01-28T25:00:00',
      {},
      Number.NaN,
    ]) {
      expect(parseProviderTime(value)).toBeNull();
    }
  });
});
