import type { CallPlan } from './call-plan.js';

/** Time a call waits in the queue before dialling (unscaled). */
export const QUEUE_MS = 1000;
/** From initiated to ringing (unscaled). */
export const RING_AFTER_MS = 2000;

/** One lifecycle step: the status reached and the gap since the previous step. */
export type Step = { status: string; afterMs: number };

/**
 * The Bolna statuses a call goes through after it leaves the queue, each with the gap (unscaled ms) since
 * the previous one, modelled on real calls: initiated (T+0) → ringing (+2 s) → in-progress (+ring) →
 * call-disconnected (+conversation) → completed (+`completedDelayMs`); busy/no-answer end from ringing;
 * failed/error end shortly after initiated; balance-low never dials.
 */
export function timelineFor(plan: CallPlan, completedDelay: number): Step[] {
  const ring = plan.ringSeconds * 1000;
  switch (plan.outcome) {
    case 'balance-low':
      return [{ status: 'balance-low', afterMs: QUEUE_MS }];
    case 'failed':
    case 'error':
      return [
        { status: 'initiated', afterMs: QUEUE_MS },
        { status: plan.outcome, afterMs: plan.failAfterMs },
      ];
    case 'busy':
    case 'no-answer':
      return [
        { status: 'initiated', afterMs: QUEUE_MS },
        { status: 'ringing', afterMs: RING_AFTER_MS },
        { status: plan.outcome, afterMs: ring },
      ];
    case 'rejected':
      return [
        { status: 'initiated', afterMs: QUEUE_MS },
        { status: 'ringing', afterMs: RING_AFTER_MS },
        { status: 'call-disconnected', afterMs: ring },
        { status: 'completed', afterMs: completedDelay },
      ];
    case 'completed':
      return [
        { status: 'initiated', afterMs: QUEUE_MS },
        { status: 'ringing', afterMs: RING_AFTER_MS },
        { status: 'in-progress', afterMs: ring },
        { status: 'call-disconnected', afterMs: plan.conversationSeconds * 1000 },
        { status: 'completed', afterMs: completedDelay },
      ];
  }
}
