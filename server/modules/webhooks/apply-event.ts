/**
 * Applying one stored delivery to its call: the merge, in one transaction with the call's row
 * locked, so concurrent deliveries for one call are serialised and never lose a field. A delivery
 * for an unknown execution of one of our agents creates the call; one for an unknown agent waits
 * as an orphan until its call appears. A merge that throws leaves the delivery `failed`, to be
 * retried by the recovery job.
 */
import { and, eq, isNull, sql } from 'drizzle-orm';
import type { AppContext } from '../../context.js';
import type { Db } from '../../db/index.js';
import { calls, webhookEvents } from '../../db/schema.js';
import { mapExecution, type ProviderCallSnapshot } from '../../providers/bolna/index.js';
import { findAgentByProviderId } from '../agents/agents.repository.js';
import type { CallRow } from '../calls/calls.repository.js';
import { mergeSnapshot, type CallProviderState, type MergeSource, type MergeState } from '../calls/merge.js';
import { markerOf } from '../calls/place-call.js';
import { hasMergedDigest, listOrphans, lockEvent, updateEvent } from './webhook-events.repository.js';

export interface ApplyOutcome {
  eventId: string;
  verdict: 'applied' | 'duplicate' | 'stale' | 'orphan';
  call: CallRow | null;
  /** API fields that changed; the call's version moved only when this is not empty. */
  changed: string[];
  /** True when this delivery created the call. */
  created: boolean;
}

/** The provider-owned part of a stored call, as the merge reads it. */
export function providerStateOf(row: CallRow): CallProviderState {
  return {
    status: row.status as CallProviderState['status'],
    providerCallId: row.providerCallId,
    providerAgentId: row.providerAgentId,
    direction: row.direction as CallProviderState['direction'],
    toNumber: row.toNumber,
    fromNumber: row.fromNumber,
    duration: row.duration,
    transcription: row.transcription,
    recordingUrl: row.recordingUrl,
    summary: row.summary,
    extractedData: row.extractedData ?? null,
    totalCostCents: row.totalCostCents,
    costBreakdown: row.costBreakdown ?? null,
    hangupBy: row.hangupBy,
    hangupReason: row.hangupReason,
    hangupProviderCode: row.hangupProviderCode,
    errorMessage: row.errorMessage,
    startedAt: row.startedAt,
    endedAt: row.endedAt,
    providerRaw: row.providerRaw ?? null,
    mergeState: (row.mergeState as MergeState | null) ?? null,
  };
}

/**
 * Merges the stored delivery `eventId` into its call. Returns null when the delivery is already
 * done or another process is merging it right now.
 */
export async function applyEvent(ctx: AppContext, eventId: string): Promise<ApplyOutcome | null> {
  try {
    return await ctx.db.transaction((tx) => applyInTransaction(ctx, tx, eventId));
  } catch (err) {
    await updateEvent(ctx.db, eventId, {
      verdict: 'failed',
      error: (err as Error).message.slice(0, 2000),
      attempts: sql`${webhookEvents.attempts} + 1`,
      processedAt: ctx.now(),
    });
    throw err;
  }
}

async function applyInTransaction(ctx: AppContext, tx: Db, eventId: string): Promise<ApplyOutcome | null> {
  const event = await lockEvent(tx, eventId);
  if (!event || (event.verdict !== null && event.verdict !== 'failed' && event.verdict !== 'orphan'))
    return null;
  const snapshot = mapExecution(event.payload);
  const now = ctx.now();
  const found = await findOrCreateCall(tx, event.organizationId, snapshot, now);
  const done = { processedAt: now, attempts: event.attempts + 1, error: null };
  if (!found) {
    await updateEvent(tx, event.id, { ...done, verdict: 'orphan' });
    return { eventId, verdict: 'orphan', call: null, changed: [], created: false };
  }
  const { call, created } = found;
  const source = event.source as MergeSource;
  const webhookSeen =
    source === 'webhook' ? { lastWebhookAt: now } : source === 'poll' ? { lastPolledAt: now } : {};
  if (event.payloadDigest && (await hasMergedDigest(tx, call.id, event.payloadDigest, event.id))) {
    if (Object.keys(webhookSeen).length) await tx.update(calls).set(webhookSeen).where(eq(calls.id, call.id));
    await updateEvent(tx, event.id, { ...done, verdict: 'duplicate', callId: call.id });
    return { eventId, verdict: 'duplicate', call, changed: [], created };
  }

  const result = mergeSnapshot(providerStateOf(call), snapshot, source, event.receivedAt);
  const { next, changed } = result;
  const [updated] = await tx
    .update(calls)
    .set({
      status: next.status,
      providerCallId: next.providerCallId,
      providerAgentId: next.providerAgentId ?? call.providerAgentId,
      direction: next.direction,
      toNumber: next.toNumber,
      fromNumber: next.fromNumber,
      duration: next.duration,
      transcription: next.transcription,
      recordingUrl: next.recordingUrl,
      summary: next.summary,
      extractedData: next.extractedData,
      totalCostCents: next.totalCostCents,
      costBreakdown: next.costBreakdown,
      hangupBy: next.hangupBy,
      hangupReason: next.hangupReason,
      hangupProviderCode: next.hangupProviderCode,
      errorMessage: next.errorMessage,
      startedAt: next.startedAt,
      endedAt: next.endedAt,
      providerRaw: next.providerRaw,
      mergeState: next.mergeState as unknown as Record<string, unknown>,
      ...webhookSeen,
      ...(changed.length > 0 ? { version: sql`${calls.version} + 1`, updatedAt: now } : {}),
    })
    .where(eq(calls.id, call.id))
    .returning();
  await updateEvent(tx, event.id, {
    ...done,
    verdict: result.verdict,
    callId: call.id,
    changedFields: changed,
  });
  return { eventId, verdict: result.verdict, call: updated ?? call, changed, created };
}

/**
 * The call a snapshot belongs to, locked: by execution id; else the call we placed that carries our
 * marker (the webhook can beat Bolna's answer to POST /call); else a new call when the execution's
 * agent is ours (calls from Bolna's dashboard, batches, inbound); else none (an orphan).
 */
async function findOrCreateCall(
  tx: Db,
  organizationId: string,
  snapshot: ProviderCallSnapshot,
  now: Date,
): Promise<{ call: CallRow; created: boolean } | null> {
  const byExecution = await lockCallByExecution(tx, organizationId, snapshot.providerCallId);
  if (byExecution) return { call: byExecution, created: false };

  const marker = markerOf(snapshot);
  if (marker && /^[0-9a-f-]{36}$/i.test(marker)) {
    const [claimed] = await tx
      .update(calls)
      .set({ providerCallId: snapshot.providerCallId })
      .where(
        and(eq(calls.organizationId, organizationId), eq(calls.id, marker), isNull(calls.providerCallId)),
      )
      .returning();
    if (claimed) return { call: claimed, created: false };
  }

  if (!snapshot.providerAgentId) return null;
  const agent = await findAgentByProviderId(tx, snapshot.providerAgentId);
  if (!agent || agent.organizationId !== organizationId) return null;
  const inserted = await tx
    .insert(calls)
    .values({
      organizationId,
      agentId: agent.id,
      providerCallId: snapshot.providerCallId,
      providerAgentId: snapshot.providerAgentId,
      status: snapshot.status ?? 'initiated',
      direction: snapshot.direction,
      toNumber: snapshot.toNumber,
      fromNumber: snapshot.fromNumber,
      metadata: { origin: 'provider' },
      createdAt: snapshot.providerCreatedAt ?? now,
      updatedAt: now,
    })
    .onConflictDoNothing()
    .returning();
  if (inserted[0]) return { call: inserted[0], created: true };
  const raced = await lockCallByExecution(tx, organizationId, snapshot.providerCallId);
  return raced ? { call: raced, created: false } : null;
}

async function lockCallByExecution(tx: Db, organizationId: string, providerCallId: string) {
  const [row] = await tx
    .select()
    .from(calls)
    .where(
      and(
        eq(calls.organizationId, organizationId),
        eq(calls.provider, 'bolna'),
        eq(calls.providerCallId, providerCallId),
      ),
    )
    .for('update');
  return row;
}

/** Re-applies the orphans that name this execution or agent, now that its call or agent exists. */
export async function adoptOrphans(
  ctx: AppContext,
  organizationId: string,
  match: { providerCallId?: string; providerAgentId?: string },
): Promise<ApplyOutcome[]> {
  const outcomes: ApplyOutcome[] = [];
  for (const { id } of await listOrphans(ctx.db, organizationId, match)) {
    const outcome = await applyEvent(ctx, id);
    if (outcome) outcomes.push(outcome);
  }
  return outcomes;
}
