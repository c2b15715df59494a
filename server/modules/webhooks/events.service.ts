/** A call's delivery timeline, and replaying it (proof that the stored call is what its deliveries say). */
import type { AppContext } from '../../context.js';
import { NotFound } from '../../errors.js';
import { findCall, toApiCall } from '../calls/calls.repository.js';
import { publishOutcomes } from './process.js';
import { applyEvent } from './apply-event.js';
import { insertEvent, listCallEvents, toApiEvent } from './webhook-events.repository.js';

export async function getCallEvents(ctx: AppContext, organizationId: string, callId: string) {
  if (!(await findCall(ctx.db, organizationId, callId))) throw new NotFound('Call');
  return (await listCallEvents(ctx.db, organizationId, callId)).map(toApiEvent);
}

/**
 * Re-applies every stored delivery of the call (as `replay` events) through the merge. Because the
 * merge is idempotent and order-free, a call that is right stays exactly as it is.
 */
export async function replayCallEvents(ctx: AppContext, organizationId: string, callId: string) {
  if (!(await findCall(ctx.db, organizationId, callId))) throw new NotFound('Call');
  const stored = (await listCallEvents(ctx.db, organizationId, callId)).filter(
    (e) => e.payload && e.verdict !== 'rejected' && e.source !== 'replay',
  );
  const changed = new Set<string>();
  for (const original of stored) {
    // API readings keep their trust on replay; pushed deliveries replay as `replay`.
    const source = original.source === 'poll' || original.source === 'sync' ? original.source : 'replay';
    const event = await insertEvent(ctx.db, {
      organizationId,
      source,
      payload: original.payload,
      payloadDigest: null,
      providerCallId: original.providerCallId,
      providerAgentId: original.providerAgentId,
      status: original.status,
      receivedAt: original.receivedAt,
      headers: { 'x-replay-of': original.id },
    });
    const outcome = await applyEvent(ctx, event.id);
    if (outcome) {
      outcome.changed.forEach((f) => changed.add(f));
      publishOutcomes(ctx, [outcome]);
    }
  }
  const call = await findCall(ctx.db, organizationId, callId);
  return { replayed: stored.length, changed: [...changed], call: toApiCall(call!) };
}
