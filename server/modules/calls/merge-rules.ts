/**
 * The orderings the call merge is built on. Each provider field of a call behaves like a register whose
 * value is the greatest of every contribution ever merged, under a TOTAL order; a maximum over a total
 * order does not depend on the order the contributions arrive in, nor on how often each arrives. That is
 * what makes any permutation, duplication or interleaving of the same deliveries end in the same call.
 */

import { createHash } from 'node:crypto';
import { STATUS_RANK, isTerminalStatus, type CallStatus } from '../../../common/call-status.js';
import type { ProviderCallSnapshot } from '../../providers/bolna/mapping.js';

/** Provider fields merged as registers: the value from the most advanced snapshot that carries data. */
export const REGISTER_FIELDS = [
  'direction',
  'toNumber',
  'fromNumber',
  'duration',
  'transcription',
  'recordingUrl',
  'summary',
  'extractedData',
  'totalCostCents',
  'costBreakdown',
  'hangupBy',
  'hangupReason',
  'hangupProviderCode',
  'errorMessage',
] as const;
export type RegisterField = (typeof REGISTER_FIELDS)[number];

/** Rank given to a snapshot whose status we do not know: below every real status. */
export const UNKNOWN_RANK = -1;

/**
 * How advanced the snapshot a value came from was: the rank of its status; for a terminal status, whether
 * the provider's API said it (`api`, present only then: DESIGN has a terminal call's fields confirmed by
 * the API, and webhooks are unsigned, so an API reading outranks any webhook at that rank); then the
 * provider's `updated_at` (ISO string, jsonb-friendly; null when the provider sent none: lowest).
 */
export interface Stamp {
  rank: number;
  api?: true;
  at: string | null;
}

/** The stamp of a snapshot (`api`: it was read from the provider's API, i.e. a poll or a sync). */
export function snapshotStamp(
  snapshot: Pick<ProviderCallSnapshot, 'status' | 'providerUpdatedAt'>,
  api = false,
): Stamp {
  return {
    rank: snapshot.status === null ? UNKNOWN_RANK : STATUS_RANK[snapshot.status],
    ...(api && isTerminalStatus(snapshot.status) ? { api: true as const } : {}),
    at: snapshot.providerUpdatedAt ? snapshot.providerUpdatedAt.toISOString() : null,
  };
}

/** Orders two provider times given as ISO strings; null (no time) is lowest. */
export function compareTimes(a: string | null, b: string | null): number {
  if (a === b) return 0;
  if (a === null) return -1;
  if (b === null) return 1;
  return Math.sign(Date.parse(a) - Date.parse(b));
}

/** Orders stamps: rank, then API over webhook (terminal only), then provider updated_at. Missing: lowest. */
export function compareStamps(a: Stamp | null | undefined, b: Stamp | null | undefined): number {
  if (!a || !b) return (a ? 1 : 0) - (b ? 1 : 0);
  return Math.sign(a.rank - b.rank) || (a.api ? 1 : 0) - (b.api ? 1 : 0) || compareTimes(a.at, b.at);
}

/**
 * Orders two snapshots of one call by how advanced they are (status rank, then provider updated_at):
 * positive when `a` is more advanced. Exposed for callers that pick the freshest of several readings.
 */
export function compareSnapshots(
  a: Pick<ProviderCallSnapshot, 'status' | 'providerUpdatedAt'>,
  b: Pick<ProviderCallSnapshot, 'status' | 'providerUpdatedAt'>,
): number {
  return compareStamps(snapshotStamp(a), snapshotStamp(b));
}

/** JSON with object keys sorted: equal values give equal text whatever their key order (jsonb reorders). */
export function stableStringify(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value !== 'object') return JSON.stringify(value);
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  let out: string;
  if (Array.isArray(value)) {
    out = '[';
    for (let i = 0; i < value.length; i++) out += (i === 0 ? '' : ',') + stableStringify(value[i]);
    return `${out}]`;
  }
  const object = value as Record<string, unknown>;
  out = '{';
  // Keys in UTF-16 code unit order (the default sort); undefined members are left out, as JSON does.
  for (const key of Object.keys(object).sort()) {
    const member = object[key];
    if (member === undefined) continue;
    out += `${out.length === 1 ? '' : ','}${JSON.stringify(key)}:${stableStringify(member)}`;
  }
  return `${out}}`;
}

/** Equality of values as `stableStringify` sees it (members that are undefined are absent). */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a instanceof Date || b instanceof Date) {
    return a instanceof Date && b instanceof Date && a.getTime() === b.getTime();
  }
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  const keys = Object.keys(x).filter((key) => x[key] !== undefined);
  if (keys.length !== Object.keys(y).filter((key) => y[key] !== undefined).length) return false;
  return keys.every((key) => Object.hasOwn(y, key) && sameJson(x[key], y[key]));
}

/** The digest duplicates are recognised by: the same content, whatever its key order or spacing. */
export function payloadDigest(payload: unknown): string {
  return createHash('sha256').update(stableStringify(payload)).digest('hex');
}

/** Value equality as the database sees it: dates by instant, objects by content. */
export function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || a === undefined || b === undefined) return false;
  return stableStringify(a) === stableStringify(b);
}

/** 0: absent (null). 1: present but empty (0, "", {}, a cost breakdown of zeros). 2: data. */
export type ValueClass = 0 | 1 | 2;

/**
 * How much a value says. Empty values may fill an absent field (a busy call's duration 0 is a real
 * answer) but never replace data, whatever snapshot they come from: that is "a present value never
 * becomes empty". Conversely data replaces an empty value even from a less advanced snapshot, so that
 * the result does not depend on arrival order.
 */
export function valueClass(value: unknown): ValueClass {
  if (value === null || value === undefined) return 0;
  if (typeof value === 'number') return value === 0 ? 1 : 2;
  if (typeof value === 'string') return value.trim() === '' ? 1 : 2;
  if (typeof value === 'object') {
    const parts = Object.values(value as Record<string, unknown>);
    if (parts.length === 0) return 1;
    return parts.every((part) => typeof part === 'number' && part === 0) ? 1 : 2;
  }
  return 2;
}

/**
 * A total order on values, used only to break a tie between two different values carried by equally
 * advanced snapshots (same rank, same provider time). "More" wins, since Bolna's fields only grow while
 * they fill in: larger numbers, longer texts, bigger objects; then plain text order so no tie remains.
 */
export function compareValues(a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number') return Math.sign(a - b);
  const textA = typeof a === 'string' ? a : stableStringify(a);
  const textB = typeof b === 'string' ? b : stableStringify(b);
  if (textA.length !== textB.length) return Math.sign(textA.length - textB.length);
  return compareText(textA, textB);
}

/** A register's content: a value and the stamp of the snapshot it came from (none for our own values). */
export interface Entry {
  value: unknown;
  stamp: Stamp | null | undefined;
}

/**
 * Register order: value class, then stamp, then value. Positive when `candidate` must replace `current`
 * (strictly greater); 0 means the very same contribution, so merging it again changes nothing.
 */
export function compareEntries(candidate: Entry, current: Entry): number {
  return (
    Math.sign(valueClass(candidate.value) - valueClass(current.value)) ||
    compareStamps(candidate.stamp, current.stamp) ||
    compareValues(candidate.value, current.value)
  );
}

/** Where a stored start/end time came from: the provider's clock (preferred) or our receipt time. */
export type TimeOrigin = 'provider' | 'received';

/** A candidate start or end time. */
export interface TimeMark {
  value: Date;
  origin: TimeOrigin;
}

/**
 * Picks the stage time to keep: the EARLIER one. Each snapshot offers its provider `updated_at` (DESIGN:
 * the provider's own time is preferred where present), or our receipt time when it has none. The earliest
 * time among the snapshots at or past a stage is the time of the snapshot that reached the stage first,
 * and a minimum does not depend on arrival order or repetitions. Receipt times only ever come later than
 * the provider's clock for the same snapshot, so a late or replayed delivery cannot pull a time earlier
 * than the truth. Equal times: the provider's origin is kept, so the bookkeeping is order-free too.
 * True when `candidate` must replace `current`.
 */
export function markWins(candidate: TimeMark, current: TimeMark | null): boolean {
  if (!current) return true;
  const diff = candidate.value.getTime() - current.value.getTime();
  return diff < 0 || (diff === 0 && candidate.origin === 'provider' && current.origin === 'received');
}

/**
 * Whether this snapshot shows the call as having been answered: `in_progress`, `call_disconnected`
 * (which only follows in-progress), or a terminal status with a conversation longer than 0 s
 * (`completed` alone proves nothing: a rejected call can be `completed` with duration 0).
 */
export function showsStart(snapshot: Pick<ProviderCallSnapshot, 'status' | 'duration'>): boolean {
  const { status } = snapshot;
  if (status === 'in_progress' || status === 'call_disconnected') return true;
  return isTerminalStatus(status) && (snapshot.duration ?? 0) > 0;
}

/** Whether this snapshot shows the call as over: `call_disconnected` or any terminal status. */
export function showsEnd(snapshot: Pick<ProviderCallSnapshot, 'status'>): boolean {
  return snapshot.status === 'call_disconnected' || isTerminalStatus(snapshot.status);
}

/** Rounds to the scale of the column the value is stored in, so a reloaded row compares equal. */
export function toScale(value: number | null, decimals: number): number | null {
  if (value === null) return null;
  const factor = 10 ** decimals;
  return Math.round(value * factor) / factor;
}

/** Total order on terminal readings from the provider's API: later provider time, then status name. */
export function compareApiTerminal(
  a: { status: CallStatus; at: string | null },
  b: { status: CallStatus; at: string | null },
): number {
  return compareTimes(a.at, b.at) || (a.status < b.status ? -1 : a.status > b.status ? 1 : 0);
}

/** What the snapshot says for each register field, normalised to the stored form; null = says nothing. */
export function registerCandidates(snapshot: ProviderCallSnapshot): Record<RegisterField, unknown> {
  return {
    direction: reportsDirection(snapshot) ? snapshot.direction : null,
    toNumber: snapshot.toNumber,
    fromNumber: snapshot.fromNumber,
    duration: toScale(snapshot.duration, 3),
    transcription: snapshot.transcription,
    recordingUrl: snapshot.recordingUrl,
    summary: snapshot.summary,
    extractedData: snapshot.extractedData,
    totalCostCents: toScale(snapshot.totalCostCents, 4),
    costBreakdown: snapshot.costBreakdown,
    hangupBy: snapshot.hangupBy,
    hangupReason: snapshot.hangupReason,
    hangupProviderCode: snapshot.hangupProviderCode,
    errorMessage: snapshot.errorMessage,
  };
}

/** The mapping defaults direction to outbound; only an explicit `telephony_data.call_type` is a report. */
function reportsDirection(snapshot: ProviderCallSnapshot): boolean {
  const telephony = snapshot.raw.telephony_data;
  if (telephony === null || typeof telephony !== 'object') return false;
  const callType = (telephony as Record<string, unknown>).call_type;
  return typeof callType === 'string' && callType.trim() !== '';
}

/** Plain text order. */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
