/**
 * What happens around a merge: metrics, re-applying orphans once a call appears, and asking the
 * provider's API to confirm a call that a webhook just ended (billing fields come from the API).
 */
import { isTerminalStatus } from '../../../common/call-status.js';
import type { AppContext } from '../../context.js';
import { toApiCall } from '../calls/calls.repository.js';
import { applyEvent, type ApplyOutcome } from './apply-event.js';

/** Merges one stored delivery and runs its follow-ups. Never throws: failures stay on the event. */
export async function processDelivery(ctx: AppContext, eventId: string): Promise<ApplyOutcome | null> {
  const stop = ctx.metrics.mergeDuration.startTimer();
  let outcome: ApplyOutcome | null;
  try {
    outcome = await applyEvent(ctx, eventId);
  } catch (err) {
    ctx.metrics.webhookVerdicts.inc({ verdict: 'failed' });
    ctx.log.error({ err, eventId }, 'merging a delivery failed; it stays stored and will be retried');
    return null;
  } finally {
    stop();
  }
  if (outcome) await afterApply(ctx, outcome);
  return outcome;
}

export async function afterApply(ctx: AppContext, outcome: ApplyOutcome): Promise<void> {
  ctx.metrics.webhookVerdicts.inc({ verdict: outcome.verdict });
  const call = outcome.call;
  if (!call) return;
  if (outcome.created) ctx.realtime.callCreated(toApiCall(call));
  else if (outcome.changed.length > 0) ctx.realtime.callUpdated(toApiCall(call), outcome.changed);
  try {
    if (outcome.created && call.providerCallId) {
      // Webhooks are flowing for this call: its first poll can wait one interval.
      await ctx.jobs.send(
        'call.poll',
        { callId: call.id, organizationId: call.organizationId },
        { startAfter: Math.ceil(ctx.config.polling.intervalMs / 1000) },
      );
    }
    if (isTerminalStatus(call.status as never) && !call.confirmedAt) {
      // A webhook ended the call: confirm duration, cost and recording from GET /executions.
      await ctx.jobs.send(
        'call.poll',
        { callId: call.id, organizationId: call.organizationId },
        { startAfter: 2 },
      );
    }
  } catch (err) {
    ctx.log.warn(
      { err, callId: call.id },
      'could not schedule the follow-up poll; the stale-call reconciliation will catch up',
    );
  }
}
