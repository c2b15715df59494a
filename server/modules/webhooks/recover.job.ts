/**
 * Deliveries that were stored but not merged (the process stopped in between, or the merge queue
 * was full) or whose merge failed are merged again: at start, then every minute.
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

/**
 * Merges every delivery older than `graceMs` still waiting, in batches; returns how many were tried.
 * Racing the merge queue is harmless: event rows are claimed with a lock and a merged event is skipped.
 */
export async function recoverDeliveries(ctx: AppContext, graceMs = 1_000): Promise<number> {
  let tried = 0;
  for (;;) {
    const rows = await listUnprocessed(ctx.db, new Date(ctx.now().getTime() - graceMs), MAX_ATTEMPTS, BATCH);
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
      const tried = await recoverDeliveries(ctx);
      if (tried > 0) ctx.log.info({ tried }, 'merged deliveries left unprocessed');
    },
  };
}
