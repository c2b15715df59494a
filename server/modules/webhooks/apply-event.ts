/**
 * Applying stored deliveries to their calls: the merge, in one transaction with the calls' rows
 * locked, so concurrent deliveries for one call are serialised and never lose a field. Deliveries
 * are applied in batches (one delivery or hundreds): one transaction, a few statements whatever the
 * batch's size, each call's deliveries folded through the merge and written once. A delivery for an
 * unknown execution of one of our agents creates the call; one for an unknown agent waits as an
 * orphan until its call appears. A merge that throws leaves its delivery `failed`, to be retried by
 * the recovery job; one bad delivery does not hold back the others of its batch.
 */
import { and, asc, eq, getTableColumns, inArray, isNull, or, sql } from 'drizzle-orm';
import { isTerminalStatus } from '../../../common/call-status.js';
import type { AppContext } from '../../context.js';
import type { Db } from '../../db/index.js';
import { calls, webhookEvents } from '../../db/schema.js';
import type { BatchJob, JobMap } from '../../jobs/types.js';
import { mapExecution, type ProviderCallSnapshot } from '../../providers/bolna/index.js';
import type { CallRow } from '../calls/calls.repository.js';
import { mergeSnapshot, type CallProviderState, type MergeSource, type MergeState } from '../calls/merge.js';
import { markerOf } from '../calls/place-call.js';
import { listOrphans, updateEvent, type WebhookEventRow } from './webhook-events.repository.js';

export interface ApplyOutcome {
  eventId: string;
  verdict: 'applied' | 'duplicate' | 'stale' | 'orphan';
  /** The call as stored after its whole batch. */
  call: CallRow | null;
  /** API fields this delivery changed; the call's version moved only when its batch changed one. */
  changed: string[];
  /** True when this delivery created the call. */
  created: boolean;
}

/** A stored delivery, ready to merge: what its event row holds, with the payload already mapped. */
export interface StoredDelivery {
  id: string;
  organizationId: string;
  source: MergeSource;
  snapshot: ProviderCallSnapshot;
  payloadDigest: string | null;
  receivedAt: Date;
}

/** The delivery an event row holds; null for one without a payload (a rejected body). */
export function deliveryOf(row: WebhookEventRow): StoredDelivery | null {
  if (!row.payload) return null;
  return {
    id: row.id,
    organizationId: row.organizationId,
    source: row.source as MergeSource,
    snapshot: mapExecution(row.payload),
    payloadDigest: row.payloadDigest,
    receivedAt: row.receivedAt,
  };
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
 * done or another process is merging it right now; throws (leaving it `failed`) when the merge fails.
 */
export async function applyEvent(ctx: AppContext, eventId: string): Promise<ApplyOutcome | null> {
  try {
    const row = await findEventById(ctx.db, eventId);
    const delivery = row && deliveryOf(row);
    if (!delivery) return null;
    const [outcome] = await ctx.db.transaction((tx) => applyInTransaction(ctx, tx, [delivery]));
    return outcome ?? null;
  } catch (err) {
    await markFailed(ctx, eventId, err);
    throw err;
  }
}

/**
 * Merges a batch of stored deliveries in one transaction; when that fails, each on its own, so that
 * only the deliveries that fail by themselves are left `failed`. Never throws. Deliveries already
 * merged, or being merged by another process, get no outcome.
 */
export async function applyDeliveries(
  ctx: AppContext,
  deliveries: readonly StoredDelivery[],
): Promise<ApplyOutcome[]> {
  if (deliveries.length === 0) return [];
  try {
    return await ctx.db.transaction((tx) => applyInTransaction(ctx, tx, deliveries));
  } catch (err) {
    if (deliveries.length === 1) {
      await markFailed(ctx, deliveries[0]!.id, err).catch(() => {});
      ctx.metrics.webhookVerdicts.inc({ verdict: 'failed' });
      ctx.log.error(
        { err, eventId: deliveries[0]!.id },
        'merging a delivery failed; it stays stored and will be retried',
      );
      return [];
    }
    const outcomes: ApplyOutcome[] = [];
    for (const delivery of deliveries) outcomes.push(...(await applyDeliveries(ctx, [delivery])));
    return outcomes;
  }
}

async function markFailed(ctx: AppContext, eventId: string, err: unknown): Promise<void> {
  await updateEvent(ctx.db, eventId, {
    verdict: 'failed',
    error: String((err as Error)?.message ?? err).slice(0, 2000),
    attempts: sql`${webhookEvents.attempts} + 1`,
    processedAt: ctx.now(),
  });
}

async function findEventById(db: Db, id: string): Promise<WebhookEventRow | undefined> {
  const [row] = await db.select().from(webhookEvents).where(eq(webhookEvents.id, id)).limit(1);
  return row;
}

const callKey = (organizationId: string, providerCallId: string) => `${organizationId}/${providerCallId}`;

/** One call of a batch while its deliveries are folded in. */
interface CallWork {
  call: CallRow;
  created: boolean;
  state: CallProviderState;
  changed: Set<string>;
  lastWebhookAt?: Date;
  lastPolledAt?: Date;
}

async function applyInTransaction(
  ctx: AppContext,
  tx: Db,
  deliveries: readonly StoredDelivery[],
): Promise<ApplyOutcome[]> {
  // Claim the deliveries still to merge; one that another merge holds is skipped (it is theirs).
  const claimed = new Set(
    (
      await tx
        .select({ id: webhookEvents.id })
        .from(webhookEvents)
        .where(
          and(
            inArray(
              webhookEvents.id,
              deliveries.map((d) => d.id),
            ),
            or(isNull(webhookEvents.verdict), inArray(webhookEvents.verdict, ['failed', 'orphan'])),
          ),
        )
        .orderBy(asc(webhookEvents.id))
        .for('update', { skipLocked: true })
    ).map((row) => row.id),
  );
  const mine = deliveries.filter((d) => claimed.has(d.id));
  if (mine.length === 0) return [];
  const now = ctx.now();
  const outcomes = await mergeInTransaction(ctx, tx, mine, now);
  await tx.execute(sql`
    UPDATE webhook_events AS e
       SET verdict = v.verdict, call_id = v.call_id, changed_fields = v.changed_fields,
           processed_at = ${now.toISOString()}::timestamptz, attempts = e.attempts + 1, error = NULL
      FROM jsonb_to_recordset(${JSON.stringify(outcomes.map(verdictRow))}::jsonb)
           AS v(id uuid, verdict text, call_id uuid, changed_fields text[])
     WHERE e.id = v.id`);
  return outcomes;
}

/** What an event row records of its merge. */
export function verdictRow(outcome: ApplyOutcome) {
  return {
    id: outcome.eventId,
    verdict: outcome.verdict,
    call_id: outcome.call?.id ?? null,
    changed_fields: outcome.changed,
  };
}

/**
 * The merge of a batch of deliveries (claimed by the caller, who records the verdicts): their calls
 * found or created and locked, each call's deliveries folded in arrival order through the merge,
 * every call written once, and the follow-up polls enqueued in the same transaction.
 */
export async function mergeInTransaction(
  ctx: AppContext,
  tx: Db,
  deliveries: readonly StoredDelivery[],
  now: Date,
): Promise<ApplyOutcome[]> {
  const mine = [...deliveries].sort(
    (a, b) => a.receivedAt.getTime() - b.receivedAt.getTime() || (a.id < b.id ? -1 : 1),
  );
  const found = await findOrCreateCalls(tx, mine, now);
  const merged = new Set<string>();
  for (const { call, digests } of found.values()) digests.forEach((d) => merged.add(`${call.id}/${d}`));

  const works = new Map<string, CallWork>();
  const verdicts: {
    id: string;
    verdict: ApplyOutcome['verdict'];
    callId: string | null;
    changed: string[];
  }[] = [];
  const createdBy = new Map<string, string>();
  for (const delivery of mine) {
    const key = callKey(delivery.organizationId, delivery.snapshot.providerCallId);
    const match = found.get(key);
    if (!match) {
      verdicts.push({ id: delivery.id, verdict: 'orphan', callId: null, changed: [] });
      continue;
    }
    let work = works.get(match.call.id);
    if (!work) {
      work = {
        call: match.call,
        created: match.created,
        state: providerStateOf(match.call),
        changed: new Set(),
      };
      works.set(match.call.id, work);
      if (match.created) createdBy.set(match.call.id, delivery.id);
    }
    if (delivery.source === 'webhook') work.lastWebhookAt = now;
    if (delivery.source === 'poll') work.lastPolledAt = now;
    const digestKey = delivery.payloadDigest && `${match.call.id}/${delivery.payloadDigest}`;
    if (digestKey && merged.has(digestKey)) {
      verdicts.push({ id: delivery.id, verdict: 'duplicate', callId: match.call.id, changed: [] });
      continue;
    }
    const result = mergeSnapshot(work.state, delivery.snapshot, delivery.source, delivery.receivedAt);
    work.state = result.next;
    result.changed.forEach((field) => work.changed.add(field));
    if (digestKey) merged.add(digestKey);
    verdicts.push({
      id: delivery.id,
      verdict: result.verdict,
      callId: match.call.id,
      changed: result.changed,
    });
  }

  const stored = await writeCalls(tx, [...works.values()], now);
  await ctx.jobs.sendMany('call.poll', followUpPolls(ctx, [...stored.values()], works), { tx });

  return verdicts.map((v) => ({
    eventId: v.id,
    verdict: v.verdict,
    call: v.callId ? (stored.get(v.callId) ?? null) : null,
    changed: v.changed,
    created: v.callId !== null && createdBy.get(v.callId) === v.id,
  }));
}

/**
 * Polls that follow a merge: a call a webhook just ended is confirmed by the API (duration, cost and
 * recording come from GET /executions) in two seconds; a call first heard of by webhook is polled
 * one interval later (webhooks are flowing for it).
 */
function followUpPolls(
  ctx: AppContext,
  stored: CallRow[],
  works: Map<string, CallWork>,
): BatchJob<JobMap['call.poll']>[] {
  const jobs: BatchJob<JobMap['call.poll']>[] = [];
  for (const call of stored) {
    if (!call.providerCallId) continue;
    const payload = { callId: call.id, organizationId: call.organizationId };
    if (isTerminalStatus(call.status as never) && !call.confirmedAt) jobs.push({ payload, startAfter: 2 });
    else if (works.get(call.id)?.created)
      jobs.push({ payload, startAfter: Math.ceil(ctx.config.polling.intervalMs / 1000) });
  }
  return jobs;
}

/** Writes each call's merged state in one statement; returns the calls as stored, by id. */
async function writeCalls(tx: Db, works: CallWork[], now: Date): Promise<Map<string, CallRow>> {
  if (works.length === 0) return new Map();
  const rows = works.map(({ call, state: next, changed, lastWebhookAt, lastPolledAt }) => ({
    id: call.id,
    status: next.status,
    provider_call_id: next.providerCallId,
    provider_agent_id: next.providerAgentId,
    direction: next.direction,
    to_number: next.toNumber,
    from_number: next.fromNumber,
    duration: next.duration,
    transcription: next.transcription,
    recording_url: next.recordingUrl,
    summary: next.summary,
    extracted_data: next.extractedData,
    total_cost_cents: next.totalCostCents,
    cost_breakdown: next.costBreakdown,
    hangup_by: next.hangupBy,
    hangup_reason: next.hangupReason,
    hangup_provider_code: next.hangupProviderCode,
    error_message: next.errorMessage,
    started_at: next.startedAt,
    ended_at: next.endedAt,
    provider_raw: next.providerRaw,
    merge_state: next.mergeState,
    last_webhook_at: lastWebhookAt ?? null,
    last_polled_at: lastPolledAt ?? null,
    bump: changed.size > 0,
  }));
  const result = (await tx.execute(sql`
    UPDATE calls AS c
       SET status = v.status, provider_call_id = v.provider_call_id,
           provider_agent_id = COALESCE(v.provider_agent_id, c.provider_agent_id), direction = v.direction,
           to_number = v.to_number, from_number = v.from_number, duration = v.duration,
           transcription = v.transcription, recording_url = v.recording_url, summary = v.summary,
           extracted_data = v.extracted_data, total_cost_cents = v.total_cost_cents,
           cost_breakdown = v.cost_breakdown, hangup_by = v.hangup_by, hangup_reason = v.hangup_reason,
           hangup_provider_code = v.hangup_provider_code, error_message = v.error_message,
           started_at = v.started_at, ended_at = v.ended_at, provider_raw = v.provider_raw,
           merge_state = v.merge_state,
           last_webhook_at = COALESCE(v.last_webhook_at, c.last_webhook_at),
           last_polled_at = COALESCE(v.last_polled_at, c.last_polled_at),
           version = CASE WHEN v.bump THEN c.version + 1 ELSE c.version END,
           updated_at = CASE WHEN v.bump THEN ${now.toISOString()}::timestamptz ELSE c.updated_at END
      FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) AS v(
             id uuid, status text, provider_call_id text, provider_agent_id text, direction text,
             to_number text, from_number text, duration numeric, transcription text, recording_url text,
             summary text, extracted_data jsonb, total_cost_cents numeric, cost_breakdown jsonb,
             hangup_by text, hangup_reason text, hangup_provider_code integer, error_message text,
             started_at timestamptz, ended_at timestamptz, provider_raw jsonb, merge_state jsonb,
             last_webhook_at timestamptz, last_polled_at timestamptz, bump boolean)
     WHERE c.id = v.id
    RETURNING c.*`)) as unknown as { rows: Record<string, unknown>[] };
  const stored = result.rows.map(callFromDriver);
  return new Map(stored.map((row) => [row.id, row]));
}

/** A call a batch merges into, locked, with the digests of the payloads already merged into it. */
interface FoundCall {
  call: CallRow;
  created: boolean;
  digests: string[];
}

/**
 * The calls the deliveries belong to, locked, by organization and execution id: the call of that
 * execution; else the call we placed that carries our marker (the webhook can beat Bolna's answer to
 * POST /call); else a new call when the execution's agent is ours (calls from Bolna's dashboard,
 * batches, inbound); else none (an orphan).
 */
async function findOrCreateCalls(
  tx: Db,
  deliveries: StoredDelivery[],
  now: Date,
): Promise<Map<string, FoundCall>> {
  const wanted = new Map<string, StoredDelivery>();
  for (const d of deliveries) {
    const key = callKey(d.organizationId, d.snapshot.providerCallId);
    if (!wanted.has(key)) wanted.set(key, d);
  }
  const found = new Map<string, FoundCall>();
  const missing = () => [...wanted].filter(([key]) => !found.has(key));
  const lockByExecution = async (executionIds: string[]) => {
    if (executionIds.length === 0) return;
    const rows = await tx
      .select({
        call: calls,
        // What was merged into the call already, read under its lock: a repeat is a duplicate.
        digests: sql<string[]>`array(
          SELECT e.payload_digest FROM webhook_events e
           WHERE e.call_id = calls.id AND e.payload_digest IS NOT NULL
             AND e.verdict IN ('applied', 'duplicate', 'stale'))`,
      })
      .from(calls)
      .where(and(eq(calls.provider, 'bolna'), inArray(calls.providerCallId, [...new Set(executionIds)])))
      .orderBy(asc(calls.id))
      .for('update', { of: calls });
    for (const { call, digests } of rows) {
      const key = callKey(call.organizationId, call.providerCallId!);
      if (wanted.has(key) && !found.has(key)) found.set(key, { call, created: false, digests });
    }
  };
  await lockByExecution([...wanted.values()].map((d) => d.snapshot.providerCallId));

  for (const [key, d] of missing()) {
    const marker = markerOf(d.snapshot);
    if (!marker || !/^[0-9a-f-]{36}$/i.test(marker)) continue;
    const [claimed] = await tx
      .update(calls)
      .set({ providerCallId: d.snapshot.providerCallId })
      .where(
        and(eq(calls.organizationId, d.organizationId), eq(calls.id, marker), isNull(calls.providerCallId)),
      )
      .returning();
    // A call of ours without an execution id yet: nothing was merged into it.
    if (claimed) found.set(key, { call: claimed, created: false, digests: [] });
  }

  const creatable = missing()
    .map(([, d]) => d)
    .filter((d) => d.snapshot.providerAgentId);
  if (creatable.length === 0) return found;
  // A call is created only for an agent of the same organization (one statement: agent and insert).
  const rows = creatable.map(({ organizationId, snapshot }) => ({
    organization_id: organizationId,
    provider_call_id: snapshot.providerCallId,
    provider_agent_id: snapshot.providerAgentId,
    status: snapshot.status ?? 'initiated',
    direction: snapshot.direction,
    to_number: snapshot.toNumber,
    from_number: snapshot.fromNumber,
    created_at: snapshot.providerCreatedAt ?? now,
  }));
  const inserted = (await tx.execute(sql`
    INSERT INTO calls (organization_id, agent_id, provider_call_id, provider_agent_id, status, direction,
                       to_number, from_number, metadata, created_at, updated_at)
    SELECT v.organization_id, a.id, v.provider_call_id, v.provider_agent_id, v.status, v.direction,
           v.to_number, v.from_number, '{"origin":"provider"}'::jsonb, v.created_at,
           ${now.toISOString()}::timestamptz
      FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) AS v(
             organization_id uuid, provider_call_id text, provider_agent_id text, status text,
             direction text, to_number text, from_number text, created_at timestamptz)
      JOIN agents a ON a.provider = 'bolna' AND a.provider_agent_id = v.provider_agent_id
                   AND a.organization_id = v.organization_id
    ON CONFLICT DO NOTHING
    RETURNING *`)) as unknown as { rows: Record<string, unknown>[] };
  for (const raw of inserted.rows) {
    const call = callFromDriver(raw);
    found.set(callKey(call.organizationId, call.providerCallId!), { call, created: true, digests: [] });
  }
  // Not created: another transaction created it first (theirs, locked now), or its agent is not ours.
  const left = missing().map(([, d]) => d.snapshot.providerCallId);
  if (left.length > 0) await lockByExecution(left);
  return found;
}

const CALL_COLUMNS = Object.entries(getTableColumns(calls));

/** A `calls` row as the driver returned it from raw SQL (`RETURNING *`), typed like Drizzle's. */
function callFromDriver(raw: Record<string, unknown>): CallRow {
  const row: Record<string, unknown> = {};
  for (const [key, column] of CALL_COLUMNS) {
    const value = raw[column.name];
    row[key] = value === null || value === undefined ? null : column.mapFromDriverValue(value);
  }
  return row as CallRow;
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
