import { and, asc, eq, inArray, isNull, lt, or, sql } from 'drizzle-orm';
import type { Db } from '../../db/index.js';
import { webhookEvents } from '../../db/schema.js';
import { iso } from '../../context.js';
import type { WebhookEvent } from '../../../common/schemas/events.js';

export type WebhookEventRow = typeof webhookEvents.$inferSelect;
export type WebhookEventInsert = typeof webhookEvents.$inferInsert;

export function toApiEvent(row: WebhookEventRow): WebhookEvent {
  return {
    id: row.id,
    callId: row.callId,
    source: row.source as WebhookEvent['source'],
    verdict: (row.verdict ?? 'pending') as WebhookEvent['verdict'],
    status: row.status,
    providerCallId: row.providerCallId,
    changedFields: row.changedFields,
    error: row.error,
    receivedAt: iso(row.receivedAt),
    processedAt: iso(row.processedAt),
    sourceIp: row.sourceIp,
    headers: row.headers,
    payloadDigest: row.payloadDigest,
    payload: row.payload ?? null,
    rawBody: row.payload ? null : row.rawBody,
  };
}

/** Stores a delivery; only its id comes back (the payload is not echoed over the wire). */
export async function insertEvent(db: Db, values: WebhookEventInsert): Promise<{ id: string }> {
  const [row] = await db.insert(webhookEvents).values(values).returning({ id: webhookEvents.id });
  return row!;
}

/** A call's deliveries, oldest first. */
export async function listCallEvents(
  db: Db,
  organizationId: string,
  callId: string,
): Promise<WebhookEventRow[]> {
  return db
    .select()
    .from(webhookEvents)
    .where(and(eq(webhookEvents.organizationId, organizationId), eq(webhookEvents.callId, callId)))
    .orderBy(asc(webhookEvents.receivedAt), asc(webhookEvents.id));
}

/** Was this exact payload already merged into this call? */
export async function hasMergedDigest(
  db: Db,
  callId: string,
  digest: string,
  exceptId: string,
): Promise<boolean> {
  const [row] = await db
    .select({ id: webhookEvents.id })
    .from(webhookEvents)
    .where(
      and(
        eq(webhookEvents.callId, callId),
        eq(webhookEvents.payloadDigest, digest),
        inArray(webhookEvents.verdict, ['applied', 'duplicate', 'stale']),
        sql`${webhookEvents.id} <> ${exceptId}`,
      ),
    )
    .limit(1);
  return row !== undefined;
}

/** Deliveries not merged yet (or whose merge failed), older than `before`, oldest first. */
export async function listUnprocessed(
  db: Db,
  before: Date,
  maxAttempts: number,
  limit: number,
): Promise<WebhookEventRow[]> {
  return db
    .select()
    .from(webhookEvents)
    .where(
      and(
        or(isNull(webhookEvents.verdict), eq(webhookEvents.verdict, 'failed')),
        lt(webhookEvents.receivedAt, before),
        lt(webhookEvents.attempts, maxAttempts),
      ),
    )
    .orderBy(asc(webhookEvents.receivedAt))
    .limit(limit);
}

/** Orphans of an organization that name this execution or this provider agent. */
export async function listOrphans(
  db: Db,
  organizationId: string,
  match: { providerCallId?: string; providerAgentId?: string },
) {
  const by = [
    match.providerCallId ? eq(webhookEvents.providerCallId, match.providerCallId) : undefined,
    match.providerAgentId ? eq(webhookEvents.providerAgentId, match.providerAgentId) : undefined,
  ].filter((c) => c !== undefined);
  if (by.length === 0) return [];
  return db
    .select({ id: webhookEvents.id })
    .from(webhookEvents)
    .where(
      and(eq(webhookEvents.organizationId, organizationId), eq(webhookEvents.verdict, 'orphan'), or(...by)),
    )
    .orderBy(asc(webhookEvents.receivedAt));
}

/** One delivery of the organization; another organization's is not found. */
export async function findEvent(
  db: Db,
  organizationId: string,
  id: string,
): Promise<WebhookEventRow | undefined> {
  const [row] = await db
    .select()
    .from(webhookEvents)
    .where(and(eq(webhookEvents.organizationId, organizationId), eq(webhookEvents.id, id)))
    .limit(1);
  return row;
}
