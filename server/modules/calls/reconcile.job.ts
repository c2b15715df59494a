/** Every minute: the stale-call reconciliation (one run at a time across nodes). */
import type { AppContext } from '../../context.js';
import { PERIODIC_JOB_OPTIONS, type JobDefinition, type JobMap } from '../../jobs/types.js';
import { reconcileStaleCalls } from './reconcile.js';

declare module '../../jobs/types.js' {
  interface JobMap {
    'calls.reconcile-stale': Record<string, never>;
  }
}

export function reconcileStaleJob(ctx: AppContext): JobDefinition<JobMap, 'calls.reconcile-stale'> {
  return {
    name: 'calls.reconcile-stale',
    options: PERIODIC_JOB_OPTIONS,
    singletonKey: () => 'reconcile',
    async handler() {
      const report = await reconcileStaleCalls(ctx);
      if (report.checked > 0) ctx.log.info({ ...report, calls: undefined }, 'stale-call reconciliation');
    },
  };
}
