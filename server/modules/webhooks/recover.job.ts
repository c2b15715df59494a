/**
 * Deliveries that were stored but not merged (the process stopped in between, or the merge queue
 * was full) or whose merge failed are merged again: at start, then every minute. A delivery stored
 * since this process started is left alone for a minute, the time its own merge queue normally
 * takes; one stored before the start waits in no queue of this process.
 */
import type { AppContext } from '../../context.js';
import type { JobDefinition, JobMap } from '../../jobs/types.js';
import { deliveryOf, markFailed, type StoredDelivery } from './apply-event.js';
import { mergeDeliveries } from './process.js';
import { listUnprocessed } from './webhook-events.repository.js';

declare module '../../jobs/types.js' {
  interface JobMap {
    'webhooks.recover': Record<string, never>;
  }
}

const MAX_ATTEMPTS = 10;
const BATCH = 200;
/** How long a delivery stored by a running process is left to that process's merge queue. */
export const RECOVERY_GRACE_MS = 60_000;

/**
 * Merges every delivery stored before `before` still waiting, in batches; returns how many were
 * tried. Racing a merge queue is harmless: event rows are claimed with a lock, a merged event is
 * skipped, and the queue's own merge of it then fails and is redone the careful way.
 */
export async function recoverDeliveries(ctx: AppContext, before: Date): Promise<number> {
  let tried = 0;
  for (;;) {
    const rows = await listUnprocessed(ctx.db, before, MAX_ATTEMPTS, BATCH);
    const deliveries: StoredDelivery[] = [];
    for (const row of rows) {
      try {
        const delivery = deliveryOf(row);
        if (delivery) deliveries.push(delivery);
      } catch (err) {
        // A stored payload the mapping cannot read: failed for good after MAX_ATTEMPTS.
        await markFailed(ctx, row.id, err);
      }
    }
    await mergeDeliveries(ctx, deliveries);
    tried += rows.length;
    if (rows.length < BATCH) return tried;
  }
}

export function recoverDeliveriesJob(ctx: AppContext): JobDefinition<JobMap, 'webhooks.recover'> {
  const startedAt = ctx.now().getTime();
  return {
    name: 'webhooks.recover',
    options: {
      retryLimit: 0,
      retryDelay: 30,
      retryBackoff: false,
      expireInSeconds: 600,
      policy: 'singleton',
    },
    singletonKey: () => 'recover',
    async handler() {
      const before = Math.max(startedAt, ctx.now().getTime() - RECOVERY_GRACE_MS);
      const tried = await recoverDeliveries(ctx, new Date(before));
      if (tried > 0) ctx.log.info({ tried }, 'merged deliveries left unprocessed');
    },
  };
}
