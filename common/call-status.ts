/**
 * Call statuses on our side (lowercase, underscores), shared by server, web app and CLI.
 * Providers map their own spelling into these (see `server/providers/bolna/status.ts`).
 */

/** Every status a call can have on our side, in no particular order. */
export const CALL_STATUSES = [
  'queued',
  'initiated',
  'ringing',
  'in_progress',
  'call_disconnected',
  'completed',
  'busy',
  'no_answer',
  'failed',
  'canceled',
  'stopped',
  'error',
  'balance_low',
] as const;

/** Our call status (lowercase, underscores). */
export type CallStatus = (typeof CALL_STATUSES)[number];

/** Statuses after which nothing more happens to the call (post-processing included). */
export const TERMINAL_STATUSES: readonly CallStatus[] = [
  'completed',
  'busy',
  'no_answer',
  'failed',
  'canceled',
  'stopped',
  'error',
  'balance_low',
];

/**
 * How far along a call is: status only ever moves to a higher rank (merge rule). All terminal statuses share
 * the top rank; which terminal status wins is decided by the source's trust, not by rank.
 * `call_disconnected` is not terminal: Bolna is still post-processing (transcript, cost, recording).
 */
export const STATUS_RANK: Readonly<Record<CallStatus, number>> = {
  queued: 0,
  initiated: 1,
  ringing: 2,
  in_progress: 3,
  call_disconnected: 4,
  completed: 5,
  busy: 5,
  no_answer: 5,
  failed: 5,
  canceled: 5,
  stopped: 5,
  error: 5,
  balance_low: 5,
};

/** True when nothing more will happen to a call in this status. */
export function isTerminalStatus(status: CallStatus | null | undefined): boolean {
  return status != null && STATUS_RANK[status] === STATUS_RANK.completed;
}

/** Statuses of a call still waiting for its end: polled, counted as live, reconciled when stale. */
export const ACTIVE_STATUSES: readonly CallStatus[] = CALL_STATUSES.filter(
  (s) => !TERMINAL_STATUSES.includes(s),
);
