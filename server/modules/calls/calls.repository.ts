import { and, desc, eq, gte, inArray, like, lt, or, sql, type SQL } from 'drizzle-orm';
import type { Call } from '../../../common/schemas/calls.js';
import type { CallStatus } from '../../../common/call-status.js';
import type { Db } from '../../db/index.js';
import { calls } from '../../db/schema.js';
import { iso } from '../../context.js';

export type CallRow = typeof calls.$inferSelect;
export type CallInsert = typeof calls.$inferInsert;

export function toApiCall(row: CallRow): Call {
  return {
    id: row.id,
    organizationId: row.organizationId,
    agentId: row.agentId,
    provider: 'bolna',
    providerCallId: row.providerCallId,
    direction: row.direction as Call['direction'],
    status: row.status as CallStatus,
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
    errorMessage: row.errorMessage,
    startedAt: iso(row.startedAt),
    endedAt: iso(row.endedAt),
    createdAt: iso(row.createdAt),
    updatedAt: iso(row.updatedAt),
    version: row.version,
    metadata: row.metadata ?? {},
  };
}

export async function insertCall(db: Db, values: CallInsert): Promise<CallRow> {
  const [row] = await db.insert(calls).values(values).returning();
  return row!;
}

export async function findCall(db: Db, organizationId: string, id: string): Promise<CallRow | undefined> {
  const [row] = await db
    .select()
    .from(calls)
    .where(and(eq(calls.organizationId, organizationId), eq(calls.id, id)))
    .limit(1);
  return row;
}

export async function findCallByProviderId(
  db: Db,
  organizationId: string,
  providerCallId: string,
): Promise<CallRow | undefined> {
  const [row] = await db
    .select()
    .from(calls)
    .where(and(eq(calls.organizationId, organizationId), eq(calls.providerCallId, providerCallId)))
    .limit(1);
  return row;
}

/** Updates our own (non-provider) fields of a call and bumps its version. */
export async function updateCallOwnFields(
  db: Db,
  organizationId: string,
  id: string,
  values: Pick<Partial<CallInsert>, 'providerCallId' | 'status' | 'errorMessage' | 'endedAt' | 'metadata'>,
  now: Date,
): Promise<CallRow | undefined> {
  const [row] = await db
    .update(calls)
    .set({ ...values, updatedAt: now, version: sql`${calls.version} + 1` })
    .where(and(eq(calls.organizationId, organizationId), eq(calls.id, id)))
    .returning();
  return row;
}

export async function deleteCall(db: Db, organizationId: string, id: string): Promise<boolean> {
  const rows = await db
    .delete(calls)
    .where(and(eq(calls.organizationId, organizationId), eq(calls.id, id)))
    .returning({ id: calls.id });
  return rows.length > 0;
}

export interface CallFilters {
  status?: CallStatus[];
  agentId?: string;
  from?: Date;
  to?: Date;
  providerCallId?: string;
  /** Digits the to- or from-number contains. */
  number?: string;
}

/** Position in the newest-first order: created_at with microseconds, then id. */
export interface CallCursor {
  createdAt: string;
  id: string;
}

const createdAtText = sql<string>`to_char(${calls.createdAt} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

/**
 * One page of an organization's calls, newest first, after `cursor`. Keyset pagination on
 * (created_at, id) keeps every page as fast as the first on a history of millions.
 */
export async function listCalls(
  db: Db,
  organizationId: string,
  filters: CallFilters,
  cursor: CallCursor | null,
  limit: number,
): Promise<{ rows: CallRow[]; last: CallCursor | null; hasMore: boolean }> {
  const where: SQL[] = [eq(calls.organizationId, organizationId)];
  if (filters.status?.length) where.push(inArray(calls.status, filters.status));
  if (filters.agentId) where.push(eq(calls.agentId, filters.agentId));
  if (filters.from) where.push(gte(calls.createdAt, filters.from));
  if (filters.to) where.push(lt(calls.createdAt, filters.to));
  if (filters.providerCallId) where.push(eq(calls.providerCallId, filters.providerCallId));
  if (filters.number) {
    const pattern = `%${filters.number.replace(/\D/g, '')}%`;
    where.push(or(like(calls.toNumber, pattern), like(calls.fromNumber, pattern))!);
  }
  if (cursor) {
    const at = sql`${cursor.createdAt}::timestamptz`;
    where.push(or(lt(calls.createdAt, at), and(eq(calls.createdAt, at), lt(calls.id, cursor.id)))!);
  }
  const found = await db
    .select({ call: calls, cursorAt: createdAtText })
    .from(calls)
    .where(and(...where))
    .orderBy(desc(calls.createdAt), desc(calls.id))
    .limit(limit + 1);
  const page = found.slice(0, limit);
  const tail = page.at(-1);
  return {
    rows: page.map((r) => r.call),
    last: tail ? { createdAt: tail.cursorAt, id: tail.call.id } : null,
    hasMore: found.length > limit,
  };
}
