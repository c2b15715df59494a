/**
 * No stuck calls: calls still not terminal after `STALE_CALL_AFTER_MIN` are checked with Bolna.
 * Bolna's final word is merged like any poll; when Bolna cannot give one (no execution id, the
 * execution is unknown, or it still is not final), the call is marked `failed` with the error
 * message "no final status from provider", visibly, never silently.
 */
import { and, asc, eq, inArray, lt, sql } from 'drizzle-orm';
import { ACTIVE_STATUSES, isTerminalStatus } from '../../../common/call-status.js';
import type { AppContext } from '../../context.js';
import { calls } from '../../db/schema.js';
import {
  BolnaNotFoundError,
  BolnaUnavailableError,
  BolnaRateLimitError,
} from '../../providers/bolna/index.js';
import { toApiCall, type CallRow } from './calls.repository.js';
import { ingestApiSnapshot } from './poll.js';

export const NO_FINAL_STATUS = 'no final status from provider';

export interface ReconcileReport {
  checked: number;
  /** Bolna gave a final status, now merged. */
  resolved: number;
  /** Marked failed: Bolna could not say. */
  failed: number;
  /** Left for the next run: Bolna could not be reached. */
  deferred: number;
  calls: { id: string; organizationId: string; before: string; after: string; note: string }[];
}

export interface ReconcileOptions {
  /** Calls created longer ago than this are stale; default `STALE_CALL_AFTER_MIN`. */
  olderThanMs?: number;
  organizationId?: string;
  dryRun?: boolean;
  limit?: number;
}

export async function findStaleCalls(ctx: AppContext, options: ReconcileOptions = {}): Promise<CallRow[]> {
  const cutoff = new Date(ctx.now().getTime() - (options.olderThanMs ?? ctx.config.polling.staleAfterMs));
  return ctx.db
    .select()
    .from(calls)
    .where(
      and(
        inArray(calls.status, ACTIVE_STATUSES),
        lt(calls.createdAt, cutoff),
        options.organizationId ? eq(calls.organizationId, options.organizationId) : undefined,
      ),
    )
    .orderBy(asc(calls.createdAt))
    .limit(options.limit ?? 200);
}

export async function reconcileStaleCalls(
  ctx: AppContext,
  options: ReconcileOptions = {},
): Promise<ReconcileReport> {
  const report: ReconcileReport = { checked: 0, resolved: 0, failed: 0, deferred: 0, calls: [] };
  for (const call of await findStaleCalls(ctx, options)) {
    report.checked++;
    const entry = {
      id: call.id,
      organizationId: call.organizationId,
      before: call.status,
      after: call.status,
      note: '',
    };
    report.calls.push(entry);
    let reason: string;
    if (!call.providerCallId) {
      reason = 'Bolna never returned an execution id';
    } else {
      try {
        const snapshot = await ctx.bolna.getExecution(call.providerCallId);
        if (isTerminalStatus(snapshot.status)) {
          entry.after = snapshot.status!;
          entry.note = 'final status read from Bolna';
          report.resolved++;
          if (!options.dryRun) {
            await ingestApiSnapshot(ctx, call, snapshot, 'sync');
            await ctx.db.update(calls).set({ confirmedAt: ctx.now() }).where(eq(calls.id, call.id));
          }
          continue;
        }
        reason = `Bolna still reports "${snapshot.rawStatus ?? 'unknown'}"`;
      } catch (err) {
        if (err instanceof BolnaUnavailableError || err instanceof BolnaRateLimitError) {
          entry.note = `Bolna could not be reached (${err.message}); will retry`;
          report.deferred++;
          continue;
        }
        if (!(err instanceof BolnaNotFoundError)) throw err;
        reason = 'Bolna does not know this execution';
      }
    }
    entry.after = 'failed';
    entry.note = reason;
    report.failed++;
    if (!options.dryRun) await markNoFinalStatus(ctx, call, reason);
  }
  return report;
}

async function markNoFinalStatus(ctx: AppContext, call: CallRow, reason: string): Promise<void> {
  const now = ctx.now();
  const [updated] = await ctx.db
    .update(calls)
    .set({
      status: 'failed',
      errorMessage: `${NO_FINAL_STATUS} (${reason})`,
      endedAt: call.endedAt ?? now,
      updatedAt: now,
      version: sql`${calls.version} + 1`,
    })
    .where(and(eq(calls.id, call.id), inArray(calls.status, ACTIVE_STATUSES)))
    .returning();
  if (updated) ctx.realtime.callUpdated(toApiCall(updated), ['status', 'errorMessage', 'endedAt']);
  ctx.log.warn(
    { callId: call.id, organizationId: call.organizationId, reason },
    `call marked failed: ${NO_FINAL_STATUS}`,
  );
}
