/**
 * What happens around a merge: timing it, counting verdicts, and telling the organization's live
 * screens (after the commit, one event per call whatever the number of deliveries merged into it).
 */
import type { AppContext } from '../../context.js';
import { toApiCall } from '../calls/calls.repository.js';
import { applyDeliveries, type ApplyOutcome, type StoredDelivery } from './apply-event.js';

/** Merges a batch of stored deliveries and publishes the result. Never throws: failures stay on the events. */
export async function mergeDeliveries(
  ctx: AppContext,
  deliveries: readonly StoredDelivery[],
): Promise<ApplyOutcome[]> {
  const stop = ctx.metrics.mergeDuration.startTimer();
  const outcomes = await applyDeliveries(ctx, deliveries);
  stop();
  publishOutcomes(ctx, outcomes);
  return outcomes;
}

/** Counts the verdicts and emits `call:created` / `call:updated` once per call that changed. */
export function publishOutcomes(ctx: AppContext, outcomes: readonly ApplyOutcome[]): void {
  const perCall = new Map<string, { outcome: ApplyOutcome; created: boolean; changed: Set<string> }>();
  for (const outcome of outcomes) {
    ctx.metrics.webhookVerdicts.inc({ verdict: outcome.verdict });
    if (!outcome.call) continue;
    const entry = perCall.get(outcome.call.id) ?? { outcome, created: false, changed: new Set<string>() };
    entry.created ||= outcome.created;
    outcome.changed.forEach((field) => entry.changed.add(field));
    perCall.set(outcome.call.id, entry);
  }
  for (const { outcome, created, changed } of perCall.values()) {
    const call = toApiCall(outcome.call!);
    if (created) ctx.realtime.callCreated(call);
    else if (changed.size > 0) ctx.realtime.callUpdated(call, [...changed]);
  }
}
