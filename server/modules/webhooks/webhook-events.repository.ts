import { and, asc, eq, inArray, isNull, lt, or, sql, type SQL } from 'drizzle-orm';
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

/**
 * Stores a webhook delivery for the organization whose webhook token has this digest, in one
 * statement; null (nothing stored) when no organization has it. `payload` is the body's JSON text.
 */
export async function insertWebhookEvent(
  db: Db,
  tokenHash: string,
  values: {
    source: 'webhook';
    headers: Record<string, string>;
    sourceIp: string;
    receivedAt: Date;
    payload: string;
    payloadDigest: string;
    providerCallId: string;
    providerAgentId: string | null;
    status: string | null;
  },
): Promise<{ id: string; organizationId: string } | null> {
  const result = (await db.execute(sql`
    INSERT INTO webhook_events (organization_id, source, headers, source_ip, received_at, payload,
                                payload_digest, provider_call_id, provider_agent_id, status)
    SELECT o.id, ${values.source}, ${JSON.stringify(values.headers)}::jsonb, ${values.sourceIp},
           ${values.receivedAt.toISOString()}::timestamptz, ${values.payload}::jsonb, ${values.payloadDigest},
           ${values.providerCallId}, ${values.providerAgentId}, ${values.status}
      FROM organizations o
     WHERE o.webhook_token_hash = ${tokenHash}
    RETURNING id, organization_id`)) as unknown as { rows: { id: string; organization_id: string }[] };
  const row = result.rows[0];
  return row ? { id: row.id, organizationId: row.organization_id } : null;
}

export async function updateEvent(
  db: Db,
  id: string,
  values: { [K in keyof WebhookEventInsert]?: WebhookEventInsert[K] | SQL },
): Promise<void> {
  await db.update(webhookEvents).set(values).where(eq(webhookEvents.id, id));
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
