/**
 * Applying stored deliveries to their calls: the merge, in one transaction with the calls' rows
 * locked, so concurrent deliveries for one call are serialised and never lose a field. Deliveries
 * are applied in batches (one delivery or hundreds): one transaction, a few statements whatever the
 * batch's size, each call's deliveries folded through the merge and written once. A delivery for an
 * unknown execution of one of our agents creates the call; one for an unknown agent waits as an
 * orphan until its call appears. A merge that throws leaves its delivery `failed`, to be retried by
 * the recovery job; one bad delivery does not hold back the others of its batch.
 */
import { and, eq, getTableColumns, inArray, isNull, or, sql } from 'drizzle-orm';
import { isTerminalStatus } from '../../../common/call-status.js';
import type { AppContext } from '../../context.js';
import type { Database, Db, SqlTransaction } from '../../db/index.js';
import { jsonRows } from '../../db/json-rows.js';
import { calls, webhookEvents } from '../../db/schema.js';
import type { BatchJob, JobMap } from '../../jobs/types.js';
import { mapExecution, type ProviderCallSnapshot } from '../../providers/bolna/index.js';
import type { CallRow } from '../calls/calls.repository.js';
import { mergeSnapshot, type CallProviderState, type MergeSource, type MergeState } from '../calls/merge.js';
import { markerOf } from '../calls/place-call.js';
import { listOrphans, type WebhookEventRow } from './webhook-events.repository.js';

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
function providerStateOf(row: CallRow): CallProviderState {
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
    const merged = await ctx.database.transaction((tx) => applyInTransaction(ctx, tx, [delivery]));
    await sendFollowUpPolls(ctx, merged.polls);
    return merged.outcomes[0] ?? null;
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
    const merged = await ctx.database.transaction((tx) => applyInTransaction(ctx, tx, deliveries));
    await sendFollowUpPolls(ctx, merged.polls);
    return merged.outcomes;
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

/**
 * Records a merge that failed on its event: `failed`, the error, one more attempt. An event another
 * merge has given its verdict meanwhile (one that committed while this one failed) keeps it.
 */
export async function markFailed(ctx: AppContext, eventId: string, err: unknown): Promise<void> {
  await ctx.db
    .update(webhookEvents)
    .set({
      verdict: 'failed',
      error: String((err as Error)?.message ?? err).slice(0, 2000),
      attempts: sql`${webhookEvents.attempts} + 1`,
      processedAt: ctx.now(),
    })
    .where(
      and(
        eq(webhookEvents.id, eventId),
        or(isNull(webhookEvents.verdict), inArray(webhookEvents.verdict, ['failed', 'orphan'])),
      ),
    );
}

async function findEventById(db: Db, id: string): Promise<WebhookEventRow | undefined> {
  const [row] = await db.select().from(webhookEvents).where(eq(webhookEvents.id, id)).limit(1);
  return row;
}

/** What a merge transaction hands back: its outcomes, and the polls to send once it committed. */
interface Merged {
  outcomes: ApplyOutcome[];
  polls: FollowUpPoll[];
}

type FollowUpPoll = BatchJob<JobMap['call.poll']>;

/**
 * Sends the polls that follow merges, once their transaction has committed; never throws. They are
 * not part of the transaction (one statement less while rows are locked): a poll lost to a crash in
 * between, or to a failure here, is sent again by `calls.resume-polls`, which every minute polls each
 * unfinished or unconfirmed call whose poll is overdue.
 */
export async function sendFollowUpPolls(ctx: AppContext, polls: FollowUpPoll[]): Promise<void> {
  if (polls.length === 0) return;
  await ctx.jobs.sendMany('call.poll', polls).catch((err: unknown) => {
    ctx.log.warn({ err }, 'follow-up polls were not sent; calls.resume-polls will send them');
  });
}

/**
 * Merges deliveries the ingest queue has just stored, in one transaction, without claiming their
 * events first: the statement that records the verdicts takes only events still unmerged, and fails
 * the transaction unless it took them all (the recovery job merged one meanwhile). Then, and when the
 * transaction fails for any other reason, they are merged the careful way (`applyDeliveries`: claimed,
 * and each on its own when the batch fails), whose follow-up polls are sent already. Never throws.
 *
 * The recovery job claims events before it locks their calls, and this transaction locks the calls
 * first: when both take up one delivery at once, PostgreSQL may end one of them as a deadlock, and
 * whichever it is, the delivery is merged once, by the other (`markFailed` spares a merged event).
 */
export async function mergeStored(ctx: AppContext, deliveries: readonly StoredDelivery[]): Promise<Merged> {
  const stop = ctx.metrics.mergeDuration.startTimer();
  try {
    const now = ctx.now();
    const merged = await ctx.database.transaction(async (tx) => {
      const merge = await mergeAndCommit(ctx, tx, deliveries, now, (verdicts) =>
        recordOnEvents(verdicts, now, { onlyUnmerged: true }),
      );
      return { outcomes: await merge.outcomes, polls: merge.polls };
    });
    stop();
    return merged;
  } catch (err) {
    stop();
    if ((err as { code?: string })?.code !== VERDICTS_NOT_RECORDED)
      ctx.log.warn({ err }, 'a batch of deliveries could not be merged at once; merging them one by one');
    return { outcomes: await applyDeliveries(ctx, deliveries), polls: [] };
  }
}

/** Stored deliveries: claimed (skipping those another merge holds), merged, verdicts recorded. */
async function applyInTransaction(
  ctx: AppContext,
  tx: SqlTransaction,
  deliveries: readonly StoredDelivery[],
): Promise<Merged> {
  const { rows } = await tx.query<{ id: string }>(
    `SELECT id FROM webhook_events
      WHERE id = ANY($1::uuid[]) AND (verdict IS NULL OR verdict IN ('failed', 'orphan'))
      ORDER BY id FOR UPDATE SKIP LOCKED`,
    [deliveries.map((d) => d.id)],
  );
  const claimed = new Set(rows.map((row) => row.id));
  const mine = deliveries.filter((d) => claimed.has(d.id));
  if (mine.length === 0) return { outcomes: [], polls: [] };
  const now = ctx.now();
  const merge = await mergeAndCommit(ctx, tx, mine, now, (verdicts) =>
    recordOnEvents(verdicts, now, { onlyUnmerged: false }),
  );
  return { outcomes: await merge.outcomes, polls: merge.polls };
}

/**
 * Records the verdicts on their events; `onlyUnmerged`: only on those still without one (the others
 * were merged meanwhile, by a merge that did not claim them first).
 */
function recordOnEvents(
  verdicts: Verdict[],
  now: Date,
  { onlyUnmerged }: { onlyUnmerged: boolean },
): ReturnType<RecordVerdicts> {
  return {
    sql: `UPDATE webhook_events AS e
             SET verdict = v.verdict, call_id = v.call_id, changed_fields = v.changed_fields,
                 processed_at = $2, attempts = e.attempts + 1, error = NULL
            FROM ${jsonRows('$1', 'v', 'id uuid, verdict text, call_id uuid, changed_fields text[]', verdicts.length)}
           WHERE e.id = v.id${onlyUnmerged ? ' AND e.verdict IS NULL' : ''}
          RETURNING e.id`,
    params: [JSON.stringify(verdicts.map(verdictRow)), now],
  };
}

const callKey = (organizationId: string, providerCallId: string) => `${organizationId}/${providerCallId}`;

/** What a delivery's event row records of its merge. */
interface Verdict {
  id: string;
  verdict: ApplyOutcome['verdict'];
  callId: string | null;
  changed: string[];
}

/** A `Verdict` as the columns of `webhook_events` (for `jsonb_to_recordset`). */
function verdictRow(v: Verdict) {
  return { id: v.id, verdict: v.verdict, call_id: v.callId, changed_fields: v.changed };
}

/** One call of a batch while its deliveries are folded in. */
interface CallWork {
  call: CallRow;
  created: boolean;
  state: CallProviderState;
  changed: Set<string>;
  lastWebhookAt?: Date;
  lastPolledAt?: Date;
}

/**
 * How the caller records the verdicts of a merge: one data-modifying statement returning a row per
 * delivery recorded, with its own placeholders from $1 (and no `$` anywhere else in its text). It
 * runs as part of the statement that writes the calls, which fails (SQLSTATE `VERDICTS_NOT_RECORDED`)
 * unless it recorded every verdict.
 */
type RecordVerdicts = (verdicts: Verdict[]) => { sql: string; params: unknown[] };

/**
 * The merge of a batch of deliveries, in the caller's transaction, which it ends: their
 * calls found or created and locked, each call's deliveries folded in arrival order through the
 * merge, then every call written and every verdict recorded (`record`) in one statement, sent with
 * the COMMIT. The follow-up polls are returned, for the caller to send after committing
 * (`sendFollowUpPolls`).
 *
 * The write is issued but may still be running when this resolves: the caller awaits `outcomes`
 * (the calls as stored), which rejects when the write or the commit failed.
 */
async function mergeAndCommit(
  ctx: AppContext,
  tx: SqlTransaction,
  deliveries: readonly StoredDelivery[],
  now: Date,
  record: RecordVerdicts,
): Promise<{ outcomes: Promise<ApplyOutcome[]>; polls: FollowUpPoll[] }> {
  const mine = [...deliveries].sort(
    (a, b) => a.receivedAt.getTime() - b.receivedAt.getTime() || (a.id < b.id ? -1 : 1),
  );
  const knownCalls = knownCallsOf(ctx.database);
  const { found, merged } = await findOrCreateCalls(tx, mine, now, knownCalls);

  const works = new Map<string, CallWork>();
  const verdicts: Verdict[] = [];
  const createdBy = new Map<string, string>();
  for (const delivery of mine) {
    const match = found.get(callKey(delivery.organizationId, delivery.snapshot.providerCallId));
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
    const result = mergeSnapshot(
      work.state,
      delivery.snapshot,
      delivery.source,
      delivery.receivedAt,
      delivery.payloadDigest ?? undefined,
    );
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

  const written = writeCalls(tx, [...works.values()], now, verdicts.length, record(verdicts));
  const outcomes = written.then((stored) => {
    // Committed: from now on every transaction sees these calls. (Remembered any earlier, a call this
    // transaction created would not be offered for creation by a concurrent batch, whose lock cannot
    // see it yet: that batch would take its delivery for an orphan.)
    for (const key of found.keys()) knownCalls.remember(key);
    return verdicts.map((v) => ({
      eventId: v.id,
      verdict: v.verdict,
      call: v.callId ? (stored.get(v.callId) ?? null) : null,
      changed: v.changed,
      created: v.callId !== null && createdBy.get(v.callId) === v.id,
    }));
  });
  // Awaited by the caller; a failure meanwhile must not be reported as unhandled.
  outcomes.catch(() => {});
  return { outcomes, polls: followUpPolls(ctx, [...works.values()]) };
}

/**
 * Polls that follow a merge: a call a webhook just ended is confirmed by the API (duration, cost and
 * recording come from GET /executions) in two seconds; a call first heard of by webhook is polled
 * one interval later (webhooks are flowing for it).
 */
function followUpPolls(ctx: AppContext, works: CallWork[]): FollowUpPoll[] {
  const jobs: FollowUpPoll[] = [];
  for (const { call, state, created } of works) {
    if (!state.providerCallId) continue;
    const payload = { callId: call.id, organizationId: call.organizationId };
    if (isTerminalStatus(state.status) && !call.confirmedAt) jobs.push({ payload, startAfter: 2 });
    else if (created) jobs.push({ payload, startAfter: Math.ceil(ctx.config.polling.intervalMs / 1000) });
  }
  return jobs;
}

/** SQLSTATE of the merge's write when it could not record every verdict (`automitra_check`). */
const VERDICTS_NOT_RECORDED = 'AM001';

/** Makes the statement fail (rolling its transaction back) unless `recorded` recorded `verdicts` rows. */
const allRecorded = (verdicts: number) =>
  `HAVING automitra_check(count(*) = ${verdicts}, 'the verdicts of a merge were not all recorded')`;

/**
 * Writes each call's merged state and records the verdicts (`recording`, which must record
 * `verdicts` rows), in one statement sent with the transaction's COMMIT; resolves to the calls as
 * stored, by id.
 */
async function writeCalls(
  tx: SqlTransaction,
  works: CallWork[],
  now: Date,
  verdicts: number,
  recording: ReturnType<RecordVerdicts>,
): Promise<Map<string, CallRow>> {
  if (works.length === 0) {
    await tx.queryAndCommit(
      `WITH recorded AS (${recording.sql}) SELECT count(*) FROM recorded ${allRecorded(verdicts)}`,
      recording.params,
    );
    return new Map();
  }
  // Its placeholders follow the two of the calls' UPDATE.
  const recordSql = recording.sql.replace(/\$(\d+)/g, (_, n: string) => `$${Number(n) + 2}`);
  // Only the columns the merge changed are sent; the others are absent (NULL) and keep their stored
  // value. That is exact because the merge never turns a stored value back into null.
  const rows = works.map(({ call, state: next, changed, lastWebhookAt, lastPolledAt }) => ({
    id: call.id,
    status: ifChanged(next.status, call.status),
    provider_call_id: ifChanged(next.providerCallId, call.providerCallId),
    provider_agent_id: ifChanged(next.providerAgentId, call.providerAgentId),
    direction: ifChanged(next.direction, call.direction),
    to_number: ifChanged(next.toNumber, call.toNumber),
    from_number: ifChanged(next.fromNumber, call.fromNumber),
    duration: ifChanged(next.duration, call.duration),
    transcription: ifChanged(next.transcription, call.transcription),
    recording_url: ifChanged(next.recordingUrl, call.recordingUrl),
    summary: ifChanged(next.summary, call.summary),
    extracted_data: ifChanged(next.extractedData, call.extractedData),
    total_cost_cents: ifChanged(next.totalCostCents, call.totalCostCents),
    cost_breakdown: ifChanged(next.costBreakdown, call.costBreakdown),
    hangup_by: ifChanged(next.hangupBy, call.hangupBy),
    hangup_reason: ifChanged(next.hangupReason, call.hangupReason),
    hangup_provider_code: ifChanged(next.hangupProviderCode, call.hangupProviderCode),
    error_message: ifChanged(next.errorMessage, call.errorMessage),
    started_at: ifChanged(next.startedAt, call.startedAt),
    ended_at: ifChanged(next.endedAt, call.endedAt),
    merge_state: next.mergeState,
    last_webhook_at: lastWebhookAt ?? null,
    last_polled_at: lastPolledAt ?? null,
    bump: changed.size > 0,
  }));
  const { rows: returned } = await tx.queryAndCommit<Record<string, unknown>>(
    `WITH recorded AS (${recordSql}),
     written AS (
     UPDATE calls AS c
        SET status = COALESCE(v.status, c.status),
            provider_call_id = COALESCE(v.provider_call_id, c.provider_call_id),
            provider_agent_id = COALESCE(v.provider_agent_id, c.provider_agent_id),
            direction = COALESCE(v.direction, c.direction),
            to_number = COALESCE(v.to_number, c.to_number),
            from_number = COALESCE(v.from_number, c.from_number),
            duration = COALESCE(v.duration, c.duration),
            transcription = COALESCE(v.transcription, c.transcription),
            recording_url = COALESCE(v.recording_url, c.recording_url),
            summary = COALESCE(v.summary, c.summary),
            extracted_data = COALESCE(v.extracted_data, c.extracted_data),
            total_cost_cents = COALESCE(v.total_cost_cents, c.total_cost_cents),
            cost_breakdown = COALESCE(v.cost_breakdown, c.cost_breakdown),
            hangup_by = COALESCE(v.hangup_by, c.hangup_by),
            hangup_reason = COALESCE(v.hangup_reason, c.hangup_reason),
            hangup_provider_code = COALESCE(v.hangup_provider_code, c.hangup_provider_code),
            error_message = COALESCE(v.error_message, c.error_message),
            started_at = COALESCE(v.started_at, c.started_at),
            ended_at = COALESCE(v.ended_at, c.ended_at),
            merge_state = v.merge_state,
            last_webhook_at = COALESCE(v.last_webhook_at, c.last_webhook_at),
            last_polled_at = COALESCE(v.last_polled_at, c.last_polled_at),
            version = CASE WHEN v.bump THEN c.version + 1 ELSE c.version END,
            updated_at = CASE WHEN v.bump THEN $2 ELSE c.updated_at END
       FROM ${jsonRows('$1', 'v', WRITTEN_COLUMNS, rows.length)}
      WHERE c.id = v.id
     RETURNING c.id, c.provider_agent_id, c.duration, c.total_cost_cents, c.version, c.updated_at)
     SELECT true AS call, w.* FROM written w
     UNION ALL
     SELECT false, NULL, NULL, NULL, NULL, NULL, NULL FROM recorded ${allRecorded(verdicts)}`,
    [JSON.stringify(rows), now, ...recording.params],
  );
  const stored = returned.filter((raw) => raw.call === true);
  // The rest of each row is what was locked and what the merge wrote: not read back.
  const byId = new Map(works.map((work) => [work.call.id, work]));
  const calls = new Map(
    stored.map((raw) => {
      const { call, state, lastWebhookAt, lastPolledAt } = byId.get(raw.id as string)!;
      const written = callFromDriver(raw, RETURNED_COLUMNS);
      const row: CallRow = {
        ...call,
        ...providerColumnsOf(state),
        ...written,
        lastWebhookAt: lastWebhookAt ?? call.lastWebhookAt,
        lastPolledAt: lastPolledAt ?? call.lastPolledAt,
      };
      return [call.id, row];
    }),
  );
  return calls;
}

/** The columns of the rows the merge's write sends (null: keep the stored value). */
const WRITTEN_COLUMNS = `id uuid, status text, provider_call_id text, provider_agent_id text, direction text,
  to_number text, from_number text, duration numeric, transcription text, recording_url text,
  summary text, extracted_data jsonb, total_cost_cents numeric, cost_breakdown jsonb,
  hangup_by text, hangup_reason text, hangup_provider_code integer, error_message text,
  started_at timestamptz, ended_at timestamptz, merge_state jsonb,
  last_webhook_at timestamptz, last_polled_at timestamptz, bump boolean`;

/** The merged value when it differs from the stored one; else undefined (not sent, kept as stored). */
function ifChanged<T>(next: T, stored: T): T | undefined {
  if (next === stored) return undefined;
  if (next instanceof Date && stored instanceof Date && next.getTime() === stored.getTime()) return undefined;
  return next;
}

/** Columns the merge's write hands back: the ones PostgreSQL rounds or derives. */
const RETURNED_COLUMNS = [
  'id',
  'providerAgentId',
  'duration',
  'totalCostCents',
  'version',
  'updatedAt',
] as const;

/** The provider-owned columns of a call holding this merged state. */
function providerColumnsOf(state: CallProviderState) {
  return {
    status: state.status,
    providerCallId: state.providerCallId,
    direction: state.direction,
    toNumber: state.toNumber,
    fromNumber: state.fromNumber,
    transcription: state.transcription,
    recordingUrl: state.recordingUrl,
    summary: state.summary,
    extractedData: state.extractedData,
    costBreakdown: state.costBreakdown,
    hangupBy: state.hangupBy,
    hangupReason: state.hangupReason,
    hangupProviderCode: state.hangupProviderCode,
    errorMessage: state.errorMessage,
    startedAt: state.startedAt,
    endedAt: state.endedAt,
    mergeState: state.mergeState as unknown as Record<string, unknown> | null,
  } satisfies Partial<CallRow>;
}

/** A call a batch merges into, locked. */
interface FoundCall {
  call: CallRow;
  created: boolean;
}

/**
 * The calls of these executions, locked (the latest version of each row), each with the payload
 * digests already merged into it, as of the statement's snapshot, and the row version (`xmin`) that
 * snapshot saw. Every merge rewrites its calls' rows, so when the locked version is the one the
 * snapshot saw, no merge committed since, and the digests are complete; otherwise (the lock waited
 * for another merge of the call) they are read again.
 *
 * One plain statement, planned in about a tenth of a millisecond: the common case (every call
 * exists, or the deliveries carry our marker) costs nothing more. `createCalls` follows it in the same
 * round trip when some deliveries could create calls.
 */
const LOCK_CALLS = `
  SELECT c.*, c.xmin::text AS row_xmin, (SELECT s.xmin::text FROM calls s WHERE s.id = c.id) AS seen_xmin,
         ${digestsOf('c')} AS digests
    FROM calls c
   WHERE c.provider = 'bolna' AND c.provider_call_id = ANY($1::text[])
   ORDER BY c.id FOR UPDATE`;

/**
 * New calls for executions of our agents not seen before (calls from Bolna's dashboard, batches,
 * inbound), locked by their insert; an execution that has its call already (locked by `LOCK_CALLS`
 * just before, or created by another transaction meanwhile) is skipped.
 */
const createCalls = (newCalls: number) => `
  INSERT INTO calls (organization_id, agent_id, provider_call_id, provider_agent_id, status, direction,
                     to_number, from_number, metadata, created_at, updated_at)
  SELECT w.organization_id, a.id, w.provider_call_id, w.provider_agent_id, w.status, w.direction,
         w.to_number, w.from_number, '{"origin":"provider"}'::jsonb, w.created_at, $2
    FROM ${jsonRows('$1', 'w', NEW_CALL_COLUMNS, newCalls)}
    JOIN agents a ON a.provider = 'bolna' AND a.provider_agent_id = w.provider_agent_id
                 AND a.organization_id = w.organization_id
  ON CONFLICT DO NOTHING
  RETURNING *, true AS created_now`;

/**
 * The calls (`organizationId/executionId`) that this process's transactions on one database found or
 * created and committed lately, up to a bound: a batch does not offer to create those, which saves
 * the insert for every delivery after a call's first. Only a hint: a call deleted since is found
 * missing and created all the same, one round trip later.
 */
interface KnownCalls {
  has(key: string): boolean;
  remember(key: string): void;
}

const MAX_KNOWN_CALLS = 20_000;
const knownCallsByDatabase = new WeakMap<Database, KnownCalls>();

function knownCallsOf(database: Database): KnownCalls {
  let known = knownCallsByDatabase.get(database);
  if (!known) {
    const keys = new Set<string>();
    known = {
      has: (key) => keys.has(key),
      remember(key) {
        if (keys.has(key)) return;
        keys.add(key);
        // The oldest goes first (a Set iterates in insertion order).
        if (keys.size > MAX_KNOWN_CALLS) keys.delete(keys.values().next().value!);
      },
    };
    knownCallsByDatabase.set(database, known);
  }
  return known;
}

/** The rows `createCalls` inserts: one per new execution of an agent of ours. */
const NEW_CALL_COLUMNS = `organization_id uuid, provider_call_id text, provider_agent_id text, status text,
  direction text, to_number text, from_number text, created_at timestamptz`;

/** The payload digests merged into the call `alias` (a subquery per call, by the call_id index). */
function digestsOf(alias: string): string {
  return `array(SELECT e.payload_digest FROM webhook_events e
                 WHERE e.call_id = ${alias}.id AND e.payload_digest IS NOT NULL
                   AND e.verdict IN ('applied', 'duplicate', 'stale'))`;
}

/** The payload digests merged into these calls (read while they are locked). */
const MERGED_DIGESTS = `SELECT c.id AS call_id, ${digestsOf('c')} AS digests FROM calls c WHERE c.id = ANY($1::uuid[])`;

/**
 * The calls the deliveries belong to, locked, by organization and execution id: the call of that
 * execution; else the call we placed that carries our marker (the webhook can beat Bolna's answer to
 * POST /call); else a new call when the execution's agent is ours; else none (an orphan). Also the
 * `callId/digest` of every payload already merged into them (a repeat is a duplicate).
 */
async function findOrCreateCalls(
  tx: SqlTransaction,
  deliveries: StoredDelivery[],
  now: Date,
  knownCalls: KnownCalls,
): Promise<{ found: Map<string, FoundCall>; merged: Set<string> }> {
  const wanted = new Map<string, StoredDelivery>();
  for (const d of deliveries) {
    const key = callKey(d.organizationId, d.snapshot.providerCallId);
    if (!wanted.has(key)) wanted.set(key, d);
  }
  const found = new Map<string, FoundCall>();
  const merged = new Set<string>();
  const addDigests = (callId: string, digests: string[]) =>
    digests.forEach((digest) => merged.add(`${callId}/${digest}`));
  /** Calls whose digests must be read again (the lock met a newer version, or a marker claim). */
  const unsure: string[] = [];
  const take = (rows: Record<string, unknown>[]) => {
    for (const raw of rows) {
      const call = callFromDriver(raw);
      const key = callKey(call.organizationId, call.providerCallId!);
      if (!wanted.has(key) || found.has(key)) continue;
      const created = raw.created_now === true;
      found.set(key, { call, created });
      if (created) continue;
      if (raw.row_xmin !== undefined && raw.row_xmin === raw.seen_xmin)
        addDigests(call.id, raw.digests as string[]);
      else unsure.push(call.id);
    }
  };
  const missing = () => [...wanted].filter(([key]) => !found.has(key)).map(([, d]) => d);
  const newCalls = (candidates: StoredDelivery[]) =>
    candidates
      .filter((d) => d.snapshot.providerAgentId)
      .map(({ organizationId, snapshot }) => ({
        organization_id: organizationId,
        provider_call_id: snapshot.providerCallId,
        provider_agent_id: snapshot.providerAgentId,
        status: snapshot.status ?? 'initiated',
        direction: snapshot.direction,
        to_number: snapshot.toNumber,
        from_number: snapshot.fromNumber,
        created_at: snapshot.providerCreatedAt ?? now,
      }));

  /**
   * Locks the calls of these deliveries and creates those of `create` that are missing, in one round
   * trip: the insert skips the executions the lock found (they exist, and this transaction holds them).
   */
  const lockOrCreate = async (candidates: StoredDelivery[], create: StoredDelivery[]) => {
    const executions = [...new Set(candidates.map((d) => d.snapshot.providerCallId))];
    const rows = newCalls(create);
    const results = await tx.queryAll([
      { text: LOCK_CALLS, params: [executions] },
      ...(rows.length > 0 ? [{ text: createCalls(rows.length), params: [JSON.stringify(rows), now] }] : []),
    ]);
    for (const { rows } of results) take(rows);
  };

  // A delivery that carries the marker of a call we placed is not used to create one, nor one whose
  // call was there when last looked (if it is gone, it is created below, one round trip later).
  await lockOrCreate(
    deliveries,
    [...wanted].filter(([key, d]) => !ourMarker(d.snapshot) && !knownCalls.has(key)).map(([, d]) => d),
  );
  if (found.size < wanted.size) {
    // Calls we placed whose execution id was not known yet: claimed by their marker.
    for (const d of missing()) {
      const marker = ourMarker(d.snapshot);
      if (!marker) continue;
      const { rows } = await tx.query(
        `UPDATE calls SET provider_call_id = $1
          WHERE organization_id = $2 AND id = $3 AND provider_call_id IS NULL RETURNING *`,
        [d.snapshot.providerCallId, d.organizationId, marker],
      );
      take(rows);
    }
    // Marked deliveries whose call is gone, and executions another transaction created meanwhile.
    const left = missing();
    if (left.length > 0) await lockOrCreate(left, left);
  }
  if (unsure.length > 0) {
    const { rows } = await tx.query<{ call_id: string; digests: string[] }>(MERGED_DIGESTS, [unsure]);
    for (const row of rows) addDigests(row.call_id, row.digests);
  }
  return { found, merged };
}

/** The id of the call we placed, when the execution carries our marker. */
function ourMarker(snapshot: ProviderCallSnapshot): string | null {
  const marker = markerOf(snapshot);
  return marker && /^[0-9a-f-]{36}$/i.test(marker) ? marker : null;
}

const CALL_COLUMNS = getTableColumns(calls);
const ALL_CALL_COLUMNS = Object.keys(CALL_COLUMNS) as (keyof CallRow)[];

/** A `calls` row as the driver returned it from raw SQL (`RETURNING *`), typed like Drizzle's. */
function callFromDriver(raw: Record<string, unknown>): CallRow;
function callFromDriver<K extends keyof CallRow>(
  raw: Record<string, unknown>,
  keys: readonly K[],
): Pick<CallRow, K>;
function callFromDriver(raw: Record<string, unknown>, keys: readonly (keyof CallRow)[] = ALL_CALL_COLUMNS) {
  const row: Record<string, unknown> = {};
  for (const key of keys) {
    const column = CALL_COLUMNS[key];
    const value = raw[column.name];
    row[key] = value === null || value === undefined ? null : column.mapFromDriverValue(value as never);
  }
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
