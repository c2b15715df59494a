/**
 * Every minute: folds the daily call counters that each database backend kept in rows of its own
 * (so that concurrent writers never wait for each other) into one row per key, so metrics keep
 * reading a handful of rows per day, agent and status.
 */
import { sql } from 'drizzle-orm';
import type { AppContext } from '../../context.js';
import { PERIODIC_JOB_OPTIONS, type JobDefinition, type JobMap } from '../../jobs/types.js';

declare module '../../jobs/types.js' {
  interface JobMap {
    'metrics.fold-counters': Record<string, never>;
  }
}

/** Folds the counter rows no transaction holds; returns how many rows it folded. */
export async function foldCounters(ctx: AppContext): Promise<number> {
  const result = await ctx.db.execute(sql`SELECT call_stats_fold()::int AS folded`);
  const [row] = (result as unknown as { rows: { folded: number }[] }).rows;
  return row?.folded ?? 0;
}

export function foldCountersJob(ctx: AppContext): JobDefinition<JobMap, 'metrics.fold-counters'> {
  return {
    name: 'metrics.fold-counters',
    options: PERIODIC_JOB_OPTIONS,
    singletonKey: () => 'fold-counters',
    async handler() {
      const folded = await foldCounters(ctx);
      if (folded > 0) ctx.log.debug({ folded }, 'folded daily call counters');
    },
  };
}
