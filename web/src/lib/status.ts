/** How each call status, sync state and delivery verdict looks: words and a tone (colour family). */
import { isTerminalStatus, type CallStatus } from '../../../common/call-status.js';
import type { Call } from '../api/client';

export type Tone = 'neutral' | 'info' | 'live' | 'success' | 'warning' | 'danger' | 'muted' | 'accent';

export const STATUS_LABEL: Record<CallStatus, string> = {
  queued: 'Queued',
  initiated: 'Initiated',
  ringing: 'Ringing',
  in_progress: 'In progress',
  call_disconnected: 'Wrapping up',
  completed: 'Completed',
  busy: 'Busy',
  no_answer: 'No answer',
  failed: 'Failed',
  canceled: 'Canceled',
  stopped: 'Stopped',
  error: 'Error',
  balance_low: 'Balance low',
};

export const STATUS_TONE: Record<CallStatus, Tone> = {
  queued: 'neutral',
  initiated: 'neutral',
  ringing: 'info',
  in_progress: 'live',
  call_disconnected: 'info',
  completed: 'success',
  busy: 'warning',
  no_answer: 'warning',
  failed: 'danger',
  canceled: 'muted',
  stopped: 'muted',
  error: 'danger',
  balance_low: 'danger',
};

/** What a status means, for tooltips. */
export const STATUS_HINT: Partial<Record<CallStatus, string>> = {
  call_disconnected: 'The call ended; Bolna is still preparing the transcript, recording and cost.',
  balance_low: 'Bolna refused the call: the account balance is too low.',
};

/** How long a call may stay unfinished before the history flags it. */
export const STUCK_AFTER_MS = 60 * 60_000;

/** True when a call has had no final status for longer than it should. */
export function isStuck(call: Call, now = Date.now()): boolean {
  return !isTerminalStatus(call.status) && now - Date.parse(call.createdAt) > STUCK_AFTER_MS;
}

export { isTerminalStatus };
