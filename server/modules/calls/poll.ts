/**
 * Polling Bolna for a call's execution: the fallback that makes lost webhooks harmless. Every
 * `POLL_INTERVAL_S` for `POLL_WINDOW_MIN`, then every minute for the first hour, then every five
 * minutes, until the call is terminal and confirmed by the API, or a day has passed. A poll is
 * skipped while webhooks for the call are flowing, waits for the per-key budget, and honours 429.
 */
import { isTerminalStatus, type CallStatus } from '../../../common/call-status.js';
import type { AppContext } from '../../context.js';
import {
  BolnaNotFoundError,
  BolnaRateLimitError,
  BolnaUnavailableError,
  type ProviderCallSnapshot,
} from '../../providers/bolna/index.js';
import { publishOutcomes } from '../webhooks/process.js';
import { applyEvent } from '../webhooks/apply-event.js';
import { payloadDigest } from './merge-rules.js';
import { hasMergedDigest, insertEvent } from '../webhooks/webhook-events.repository.js';
import { findCall } from './calls.repository.js';
import type { PollBudget } from './poll-budget.js';
import { calls } from '../../db/schema.js';
import { eq } from 'drizzle-orm';

const DAY_MS = 24 * 3_600_000;

export type PollOutcome =
  | { kind: 'done' }
  | {
      kind: 'again';
      afterMs: number;
      reason: 'waiting' | 'flowing' | 'budget' | 'rate_limited' | 'unavailable' | 'polled';
      /** The next poll holds a request slot of the budget already (reason 'budget'). */
      reserved?: boolean;
    };

/** How long until the next poll of a call this old. */
export function nextPollDelayMs(ctx: AppContext, ageMs: number): number {
  const { intervalMs, windowMs } = ctx.config.polling;
  if (ageMs < windowMs) return intervalMs;
  if (ageMs < 3_600_000) return Math.max(intervalMs, 60_000);
  return Math.max(intervalMs, 300_000);
}

/**
 * Stores a snapshot read from the API as a delivery and merges it. With a known call, a snapshot
 * that repeats what was already merged is not stored again (null).
 */
export async function ingestApiSnapshot(
  ctx: AppContext,
  call: { id?: string; organizationId: string },
  snapshot: ProviderCallSnapshot,
  source: 'poll' | 'sync',
) {
  const digest = payloadDigest(snapshot.raw);
  if (call.id && (await hasMergedDigest(ctx.db, call.id, digest, '00000000-0000-0000-0000-000000000000')))
    return null;
  const event = await insertEvent(ctx.db, {
    organizationId: call.organizationId,
    source,
    payload: snapshot.raw,
    payloadDigest: digest,
    providerCallId: snapshot.providerCallId,
    providerAgentId: snapshot.providerAgentId,
    status: snapshot.status ?? snapshot.rawStatus,
    receivedAt: ctx.now(),
  });
  ctx.metrics.webhookDeliveries.inc({ source });
  const outcome = await applyEvent(ctx, event.id);
  if (outcome) publishOutcomes(ctx, [outcome]);
  return outcome;
}

/**
 * One poll of one call; says whether and when to poll again. `reserved`: this poll holds a request
 * slot of the budget already (reserved by the poll before it, which had to wait for one).
 */
export async function pollCall(
  ctx: AppContext,
  budget: PollBudget,
  organizationId: string,
  callId: string,
  reserved = false,
): Promise<PollOutcome> {
  const call = await findCall(ctx.db, organizationId, callId);
  if (!call) return { kind: 'done' };
  const now = ctx.now();
  const age = now.getTime() - call.createdAt.getTime();
  const terminal = isTerminalStatus(call.status as CallStatus);
  if ((terminal && (call.confirmedAt || !call.providerCallId)) || age > DAY_MS) return { kind: 'done' };
  const again = (
    reason: Extract<PollOutcome, { kind: 'again' }>['reason'],
    afterMs = nextPollDelayMs(ctx, age),
  ) => {
    ctx.metrics.polls.inc({ outcome: reason });
    return { kind: 'again' as const, afterMs, reason };
  };
  if (!call.providerCallId) return again('waiting');
  const flowing =
    !terminal &&
    call.lastWebhookAt &&
    now.getTime() - call.lastWebhookAt.getTime() < ctx.config.polling.intervalMs;
  if (flowing) return again('flowing');

  if (!reserved) {
    const wait = await budget.reserve(ctx.config.bolna.apiKey);
    if (wait > 0) return { ...again('budget', wait), reserved: true };
  }
  let snapshot: ProviderCallSnapshot;
  try {
    snapshot = await ctx.bolna.getExecution(call.providerCallId);
  } catch (err) {
    if (err instanceof BolnaRateLimitError) {
      await budget.pause(ctx.config.bolna.apiKey, err.retryAfterMs ?? 5_000);
      return again('rate_limited', err.retryAfterMs ?? 5_000);
    }
    if (err instanceof BolnaUnavailableError || err instanceof BolnaNotFoundError)
      return again('unavailable');
    throw err;
  }
  const outcome = await ingestApiSnapshot(ctx, call, snapshot, 'poll');
  const current = outcome?.call ?? call;
  await ctx.db.update(calls).set({ lastPolledAt: now }).where(eq(calls.id, call.id));
  if (isTerminalStatus(current.status as CallStatus) && isTerminalStatus(snapshot.status)) {
    await ctx.db.update(calls).set({ confirmedAt: now }).where(eq(calls.id, call.id));
    ctx.metrics.polls.inc({ outcome: 'confirmed' });
    return { kind: 'done' };
  }
  return again('polled');
}
