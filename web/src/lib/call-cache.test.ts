import { describe, expect, it } from 'vitest';
import type { Call } from '../api/client';
import { matchesFilters, removeCall, upsertCall, type CallPages } from './call-cache';

let seq = 0;
function call(overrides: Partial<Call> = {}): Call {
  seq++;
  return {
    id: `00000000-0000-4000-8000-${String(seq).padStart(12, '0')}`,
    organizationId: 'org',
    agentId: 'agent-a',
    provider: 'bolna',
    providerCallId: null,
    direction: 'outbound',
    status: 'initiated',
    toNumber: '+919876543210',
    fromNumber: '+918035738463',
    duration: null,
    transcription: null,
    recordingUrl: null,
    summary: null,
    extractedData: null,
    totalCostCents: null,
    costBreakdown: null,
    hangupBy: null,
    hangupReason: null,
    errorMessage: null,
    startedAt: null,
    endedAt: null,
    createdAt: new Date(Date.UTC(2026, 10, 21, 10, 0, seq)).toISOString(),
    updatedAt: '2026-11-21T10:00:00.000Z',
    version: 1,
    metadata: {},
    ...overrides,
  };
}

function pages(...lists: { rows: Call[]; next: string | null }[]): CallPages {
  return {
    pages: lists.map((l) => ({ data: l.rows, nextCursor: l.next })),
    pageParams: lists.map((_, i) => (i === 0 ? undefined : `c${i}`)),
  };
}

const ids = (data: CallPages | undefined) => data!.pages.map((p) => p.data.map((c) => c.id));

describe('upsertCall', () => {
  it('puts a new call at the top of the history, newest first', () => {
    const older = call();
    const newer = call();
    const data = upsertCall(pages({ rows: [older], next: null }), newer, {});
    expect(ids(data)).toEqual([[newer.id, older.id]]);
  });

  it('replaces a row only with a newer version', () => {
    const row = call({ status: 'ringing', version: 3 });
    const data = pages({ rows: [row], next: null });
    expect(upsertCall(data, { ...row, status: 'initiated', version: 2 }, {})).toBe(data);
    expect(upsertCall(data, { ...row, version: 3 }, {})).toBe(data);
    const updated = upsertCall(data, { ...row, status: 'in_progress', version: 4 }, {});
    expect(updated!.pages[0]!.data[0]!.status).toBe('in_progress');
  });

  it('drops a row that no longer matches the status filter, and adds one that now does', () => {
    const row = call({ status: 'ringing', version: 2 });
    const active = { status: ['initiated' as const, 'ringing' as const] };
    const data = pages({ rows: [row], next: null });
    expect(ids(upsertCall(data, { ...row, status: 'completed', version: 3 }, active))).toEqual([[]]);
    const done = { status: ['completed' as const] };
    expect(
      ids(upsertCall(pages({ rows: [], next: null }), { ...row, status: 'completed', version: 3 }, done)),
    ).toEqual([[row.id]]);
  });

  it('leaves a call older than everything loaded to "Load more"', () => {
    const old = call();
    const a = call();
    const b = call();
    const data = pages({ rows: [b, a], next: 'cursor' });
    expect(upsertCall(data, old, {})).toBe(data);
  });

  it('inserts into the page whose cursor range holds the call', () => {
    const [c1, c2, c3, c4] = [call(), call(), call(), call()];
    const data = pages({ rows: [c4], next: 'x' }, { rows: [c2, c1], next: null });
    expect(ids(upsertCall(data, c3, {}))).toEqual([[c4.id], [c3.id, c2.id, c1.id]]);
  });
});

describe('matchesFilters', () => {
  it('matches number digits in either number, ignoring formatting', () => {
    const c = call({ toNumber: '+919876543210' });
    expect(matchesFilters(c, { number: '98765 43210' })).toBe(true);
    expect(matchesFilters(c, { number: '8035' })).toBe(true);
    expect(matchesFilters(c, { number: '1234' })).toBe(false);
  });

  it('applies the agent and the date range (from inclusive, to exclusive)', () => {
    const c = call({ agentId: 'a', createdAt: '2026-11-21T10:00:00.000Z' });
    expect(matchesFilters(c, { agentId: 'b' })).toBe(false);
    expect(matchesFilters(c, { from: '2026-11-21T10:00:00.000Z' })).toBe(true);
    expect(matchesFilters(c, { to: '2026-11-21T10:00:00.000Z' })).toBe(false);
  });
});

describe('removeCall', () => {
  it('removes the row wherever it is', () => {
    const [a, b] = [call(), call()];
    expect(ids(removeCall(pages({ rows: [b], next: 'x' }, { rows: [a], next: null }), a.id))).toEqual([
      [b.id],
      [],
    ]);
  });
});
