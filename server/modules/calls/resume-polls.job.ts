/**
 * Self-healing polling: every minute (and at start), each call still waiting for its final status
 * whose last poll is overdue gets a poll job. This covers a poll lost with a killed process (its job
 * would otherwise wait for pg-boss to expire it) and calls created before polling existed.
 */
import { and, gt, inArray, isNotNull, isNull, lt, or, sql } from 'drizzle-orm';
import { ACTIVE_STATUSES } from '../../../common/call-status.js';
import type { AppContext } from '../../context.js';
import { calls } from '../../db/schema.js';
import { PERIODIC_JOB_OPTIONS, type JobDefinition, type JobMap } from '../../jobs/types.js';

declare module '../../jobs/types.js' {
  interface JobMap {
    'calls.resume-polls': Record<string, never>;
  }
}

/** Sends a poll for every call whose poll is overdue; returns how many were sent. */
export async function resumePolls(ctx: AppContext): Promise<number> {
  const now = ctx.now().getTime();
  const overdue = new Date(now - Math.max(3 * ctx.config.polling.intervalMs, 3_000));
  const rows = await ctx.db
    .select({ id: calls.id, organizationId: calls.organizationId })
    .from(calls)
    .where(
      and(
        isNotNull(calls.providerCallId),
        gt(calls.createdAt, new Date(now - 24 * 3_600_000)),
        or(inArray(calls.status, ACTIVE_STATUSES), isNull(calls.confirmedAt)),
        or(isNull(calls.lastPolledAt), lt(calls.lastPolledAt, overdue)),
        // a call created a moment ago has its first poll queued already
        lt(calls.createdAt, overdue),
      ),
    )
    .orderBy(sql`${calls.createdAt} desc`)
    .limit(5_000);
  let sent = 0;
  for (const row of rows) {
    if (await ctx.jobs.send('call.poll', { callId: row.id, organizationId: row.organizationId })) sent++;
  }
  return sent;
}

export function resumePollsJob(ctx: AppContext): JobDefinition<JobMap, 'calls.resume-polls'> {
  return {
    name: 'calls.resume-polls',
    options: PERIODIC_JOB_OPTIONS,
    singletonKey: () => 'resume-polls',
    async handler() {
      const sent = await resumePolls(ctx);
      if (sent > 0) ctx.log.info({ sent }, 'resumed overdue polls');
    },
  };
}
