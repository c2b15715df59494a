/**
 * The one merge function: the only writer of provider data into a call, whatever the source (webhook,
 * poll, sync command, replay). Pure: no I/O, no clock (time comes in as `receivedAt`). The caller loads the
 * row under a lock, merges, and writes `next` back when the verdict is 'applied'.
 *
 * Why it converges: every part of the state is the maximum (or, for start/end times, the minimum) of the
 * contributions of the snapshots merged so far under a total order, and such a max ignores arrival order
 * and repetitions. The bookkeeping that makes this possible lives in `mergeState` (one jsonb column).
 * The single exception is DESIGN's "a terminal status is final for webhooks": two webhooks naming two
 * DIFFERENT terminal statuses (Bolna never sends that: one POST per status change, the terminal one last)
 * keep whichever arrived first, until the provider's API settles it; fields and `rawDigest` still
 * follow the order-free rules, so they may then come from the webhook whose status lost.
 */

import { STATUS_RANK, isTerminalStatus, type CallStatus } from '../../../common/call-status.js';
import type { ProviderCallSnapshot } from '../../providers/bolna/mapping.js';
import {
  REGISTER_FIELDS,
  compareApiTerminal,
  compareEntries,
  compareStamps,
  compareText,
  compareTimes,
  markWins,
  payloadDigest,
  registerCandidates,
  sameJson,
  sameValue,
  showsEnd,
  showsStart,
  snapshotStamp,
  type RegisterField,
  type Stamp,
  type TimeMark,
  type TimeOrigin,
} from './merge-rules.js';

export {
  REGISTER_FIELDS,
  compareSnapshots,
  snapshotStamp,
  type RegisterField,
  type Stamp,
  type TimeOrigin,
} from './merge-rules.js';

/** Where a snapshot came from: `poll`/`sync` read the provider's API; `webhook`/`replay` were pushed. */
export type MergeSource = 'webhook' | 'poll' | 'sync' | 'replay';

/** Sources trusted to correct a terminal status: the provider's own API (webhooks are unsigned). */
export function isApiSource(source: MergeSource): boolean {
  return source === 'poll' || source === 'sync';
}

/** Names reported in `MergeResult.changed`: the call's API fields (never `mergeState`). */
export type ChangedField =
  RegisterField | 'status' | 'providerCallId' | 'providerAgentId' | 'startedAt' | 'endedAt';

/**
 * The merge's bookkeeping, stored as is in one jsonb column (strings, numbers, booleans only).
 * - `fields`: per register field, the stamp (status rank, API-or-not for terminal ranks, provider
 *   updated_at) of the snapshot its value came from. A value is replaced only by one of a higher class
 *   (data over empty over absent), or of the same class from a snapshot at least as advanced (ties
 *   between different values: the larger value).
 * - `raw`, `rawDigest`: the stamp and payload digest of the most advanced snapshot seen (its body is in
 *   the event log, under that digest). A delivery with that digest again is a duplicate.
 * - `terminal`: who set the terminal status: `api` true when the provider's API (poll/sync) did, with the
 *   provider time of that reading (`at`); null while the status is not terminal.
 * - `startedAtFrom`/`endedAtFrom`: whether the stored time is the provider's or our receipt time
 *   (informational: the earliest offer wins either way, see `markWins`).
 */
export interface MergeState {
  v: 1;
  fields: Partial<Record<RegisterField, Stamp>>;
  raw: Stamp | null;
  /** Absent in bookkeeping written before digests were kept: read as null. */
  rawDigest?: string | null;
  terminal: { api: boolean; at: string | null } | null;
  startedAtFrom: TimeOrigin | null;
  endedAtFrom: TimeOrigin | null;
}

/** The provider-owned fields of a call as stored (a subset of the calls row, camelCase). */
export interface CallProviderState {
  status: CallStatus;
  /** Bolna's execution id: identity, set once. */
  providerCallId: string | null;
  /** Only merged when the caller tracks it (null or a value); left undefined otherwise. Set once. */
  providerAgentId?: string | null;
  direction: 'outbound' | 'inbound';
  toNumber: string | null;
  fromNumber: string | null;
  /** Seconds, at the column's scale (3 decimals). */
  duration: number | null;
  transcription: string | null;
  recordingUrl: string | null;
  summary: string | null;
  extractedData: Record<string, unknown> | null;
  /** Cents, at the column's scale (4 decimals). */
  totalCostCents: number | null;
  costBreakdown: Record<string, number> | null;
  hangupBy: string | null;
  hangupReason: string | null;
  hangupProviderCode: number | null;
  errorMessage: string | null;
  startedAt: Date | null;
  endedAt: Date | null;
  mergeState: MergeState | null;
}

/**
 * - 'applied': the stored state changed; write `next`. Bump `version` and emit only when `changed` is
 *   non-empty (a newer snapshot repeating known values only refreshes the bookkeeping).
 * - 'duplicate': nothing changed and the snapshot is the one the stored state came from (same digest).
 * - 'stale': nothing changed; the snapshot is older or less advanced than what the call holds (or lost a
 *   tie). Merging a stale snapshot again is still 'stale': the merge keeps no list of what it has seen
 *   (the caller dedups deliveries by digest); what is guaranteed is that a re-merge never changes anything.
 */
export type MergeVerdict = 'applied' | 'duplicate' | 'stale';

export interface MergeResult {
  next: CallProviderState;
  changed: ChangedField[];
  verdict: MergeVerdict;
}

/** The provider state of a call we just created ourselves (nothing heard from the provider yet). */
export function emptyProviderState(initial: {
  status: CallStatus;
  toNumber?: string | null;
  fromNumber?: string | null;
  direction?: 'outbound' | 'inbound';
  providerCallId?: string | null;
  providerAgentId?: string | null;
}): CallProviderState {
  return {
    status: initial.status,
    providerCallId: initial.providerCallId ?? null,
    ...(initial.providerAgentId !== undefined ? { providerAgentId: initial.providerAgentId } : {}),
    direction: initial.direction ?? 'outbound',
    toNumber: initial.toNumber ?? null,
    fromNumber: initial.fromNumber ?? null,
    duration: null,
    transcription: null,
    recordingUrl: null,
    summary: null,
    extractedData: null,
    totalCostCents: null,
    costBreakdown: null,
    hangupBy: null,
    hangupReason: null,
    hangupProviderCode: null,
    errorMessage: null,
    startedAt: null,
    endedAt: null,
    mergeState: null,
  };
}

/**
 * Merges one provider snapshot (already matched to this call by its execution id) into the call.
 * Rules (DESIGN "Merge rules"):
 * - Status only moves up in rank. Between terminal statuses: a reading from the provider's API (poll,
 *   sync) beats a webhook (unsigned) whatever the order, and among API readings the later provider time
 *   wins; among webhooks/replays the first terminal status stays. A null status leaves status alone.
 * - Register fields (see `MergeState.fields`): empty never replaces data; data replaces only data from a
 *   snapshot no more advanced (rank; at the terminal rank an API reading outranks a webhook, which is how
 *   billing fields get "confirmed from the provider's API"; then provider updated_at; equal stamps: the
 *   larger value). Data from a less advanced snapshot does replace an EMPTY value (0, "") that a more
 *   advanced one gave, or the result would depend on arrival order.
 * - `startedAt` (first seen answered: in_progress, call_disconnected, or terminal with a duration > 0) and
 *   `endedAt` (first seen call_disconnected or terminal): each snapshot at or past the stage offers its
 *   provider `updated_at`, or `receivedAt` when it carries none; the EARLIEST offer is kept. In provider
 *   order that is the time of the snapshot that first reached the stage, and a minimum is the same for
 *   every arrival order. "Written once, never moved" therefore holds for every delivery that is a repeat
 *   or comes later on the provider's clock (the 13-minute-late `completed`, duplicates, replays, polls):
 *   they offer later times and change nothing. The only move is EARLIER, when a snapshot that reached the
 *   stage earlier on the provider's clock arrives after a later one (reordering, or a lost webhook
 *   recovered by a poll); without that correction the result would depend on arrival order.
 * - `providerCallId`/`providerAgentId` are identities: set when unknown, never changed.
 * - `rawDigest`: the payload digest of the most advanced snapshot (same order; ties by digest).
 * Merging the same snapshot twice equals merging it once. `digest` is the snapshot body's
 * `payloadDigest`, when the caller has it already.
 */
export function mergeSnapshot(
  current: CallProviderState,
  snapshot: ProviderCallSnapshot,
  source: MergeSource,
  receivedAt: Date,
  digest: string = payloadDigest(snapshot.raw),
): MergeResult {
  const before = normaliseState(current);
  const state: MergeState = {
    ...before,
    fields: { ...before.fields },
    terminal: before.terminal && { ...before.terminal },
  };
  const next: CallProviderState = { ...current };
  const stamp = snapshotStamp(snapshot, isApiSource(source));

  mergeStatus(next, state, snapshot, isApiSource(source), stamp.at);

  const candidates = registerCandidates(snapshot);
  for (const field of REGISTER_FIELDS) {
    const value = candidates[field];
    if (value === null) continue;
    const entry = { value, stamp };
    if (compareEntries(entry, { value: next[field], stamp: state.fields[field] }) > 0) {
      (next as unknown as Record<string, unknown>)[field] = value;
      state.fields[field] = stamp;
    }
  }

  if (next.providerCallId === null) next.providerCallId = snapshot.providerCallId;
  if (next.providerAgentId === null && snapshot.providerAgentId !== null) {
    next.providerAgentId = snapshot.providerAgentId;
  }

  const mark: TimeMark = snapshot.providerUpdatedAt
    ? { value: snapshot.providerUpdatedAt, origin: 'provider' }
    : { value: receivedAt, origin: 'received' };
  const startedMark = next.startedAt && { value: next.startedAt, origin: state.startedAtFrom ?? 'provider' };
  if (showsStart(snapshot) && markWins(mark, startedMark)) {
    next.startedAt = mark.value;
    state.startedAtFrom = mark.origin;
  }
  const endedMark = next.endedAt && { value: next.endedAt, origin: state.endedAtFrom ?? 'provider' };
  if (showsEnd(snapshot) && markWins(mark, endedMark)) {
    next.endedAt = mark.value;
    state.endedAtFrom = mark.origin;
  }

  if ((compareStamps(stamp, state.raw) || compareText(digest, state.rawDigest ?? '')) > 0) {
    state.raw = stamp;
    state.rawDigest = digest;
  }

  const changed = changedFields(current, next);
  const stateMoved = !sameJson(state, before);
  next.mergeState = stateMoved || current.mergeState !== null ? state : null;
  if (changed.length > 0 || stateMoved) return { next, changed, verdict: 'applied' };
  const verdict = digest === before.rawDigest ? 'duplicate' : 'stale';
  return { next: current, changed: [], verdict };
}

/** The stored bookkeeping, or what it must be for a row that has none yet (created by us, or legacy). */
function normaliseState(current: CallProviderState): MergeState {
  if (current.mergeState) return current.mergeState;
  return {
    v: 1,
    fields: {},
    raw: null,
    rawDigest: null,
    terminal: isTerminalStatus(current.status) ? { api: false, at: null } : null,
    startedAtFrom: current.startedAt ? 'provider' : null,
    endedAtFrom: current.endedAt ? 'provider' : null,
  };
}

/** Status: rank only moves up; terminal corrections only from the provider's API (see mergeSnapshot). */
function mergeStatus(
  next: CallProviderState,
  state: MergeState,
  snapshot: ProviderCallSnapshot,
  api: boolean,
  at: string | null,
): void {
  const incoming = snapshot.status;
  if (incoming === null) return;
  if (!isTerminalStatus(incoming)) {
    if (STATUS_RANK[incoming] > STATUS_RANK[next.status]) next.status = incoming;
    return;
  }
  const held = isTerminalStatus(next.status) ? (state.terminal ?? { api: false, at: null }) : null;
  if (held === null || (api && !held.api)) {
    next.status = incoming;
    state.terminal = { api, at };
  } else if (api) {
    if (compareApiTerminal({ status: incoming, at }, { status: next.status, at: held.at }) > 0) {
      next.status = incoming;
      state.terminal = { api: true, at };
    }
  } else if (!held.api && incoming === next.status && at !== null) {
    // The same terminal status pushed again: keep the earliest provider time so the bookkeeping is
    // the same whatever order the copies came in.
    if (held.at === null || compareTimes(at, held.at) < 0) state.terminal = { api: false, at };
  }
}

const REPORTED: readonly ChangedField[] = [
  'status',
  'providerCallId',
  'providerAgentId',
  ...REGISTER_FIELDS,
  'startedAt',
  'endedAt',
];

function changedFields(before: CallProviderState, after: CallProviderState): ChangedField[] {
  return REPORTED.filter((field) => !sameValue(before[field] ?? null, after[field] ?? null));
}
