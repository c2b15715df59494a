/**
 * Call statuses: Bolna's spelling in, ours out.
 *
 * Bolna writes statuses with hyphens (`in-progress`, `no-answer`), one old page wrote `balance_low`, and
 * `scheduled`/`rescheduled` are queue states. We keep one enum with underscores so the rest of the platform
 * (database, API, web) never sees the provider's spelling.
 */

import { type CallStatus } from '../../../common/call-status.js';

export {
  CALL_STATUSES,
  STATUS_RANK,
  TERMINAL_STATUSES,
  isTerminalStatus,
  type CallStatus,
} from '../../../common/call-status.js';

const FROM_BOLNA: Readonly<Record<string, CallStatus>> = {
  scheduled: 'queued',
  rescheduled: 'queued',
  queued: 'queued',
  initiated: 'initiated',
  ringing: 'ringing',
  'in-progress': 'in_progress',
  'call-disconnected': 'call_disconnected',
  completed: 'completed',
  busy: 'busy',
  'no-answer': 'no_answer',
  failed: 'failed',
  canceled: 'canceled',
  cancelled: 'canceled',
  stopped: 'stopped',
  error: 'error',
  'balance-low': 'balance_low',
};

/**
 * Maps any spelling Bolna uses (`in-progress`, `IN_PROGRESS`, `balance_low`, `scheduled`…) to our status.
 * Lowercases and turns `_` into `-` first (Bolna's own form), then maps. Returns null for anything unknown
 * so callers can keep the raw value without inventing a status.
 */
export function normaliseBolnaStatus(raw: unknown): CallStatus | null {
  if (typeof raw !== 'string') return null;
  const key = raw.trim().toLowerCase().replaceAll('_', '-').replaceAll(' ', '-');
  return FROM_BOLNA[key] ?? null;
}

/** Bolna's spelling of one of our statuses (for the `status` filter of the executions list). */
export function toBolnaStatus(status: CallStatus | string): string {
  return status.trim().toLowerCase().replaceAll('_', '-');
}
