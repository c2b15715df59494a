/**
 * Deliveries that were stored but not merged (the process stopped in between, or its merge queue
 * was full) or whose merge failed are merged again: every minute, those stored more than a minute
 * ago (the time a running process's own merge queue may take), and when a process starts, every one
 * stored before it (`{before}`).
 */
import type { AppContext } from '../../context.js';
import type { JobDefinition, JobMap } from '../../jobs/types.js';
import { deliveryOf, markFailed, type StoredDelivery } from './apply-event.js';
import { mergeDeliveries } from './process.js';
import { listUnprocessed } from './webhook-events.repository.js';

declare module '../../jobs/types.js' {
  interface JobMap {
    /** `before`: an ISO time; the deliveries stored before it (default: a minute ago). */
    'webhooks.recover': { before?: string };
  }
}

const MAX_ATTEMPTS = 10;
const BATCH = 200;
/** How long a delivery stored by a running process is left to that process's merge queue. */
const RECOVERY_GRACE_MS = 60_000;

/**
 * Merges every delivery stored before `before` still waiting, in batches; returns how many were
 * tried. Racing a merge queue (another node's: one with a backlog of over a minute, or any at this
 * process's start, which takes every delivery stored before it) merges nothing twice: event rows are
 * claimed with a lock and a merged event is skipped; PostgreSQL may end one of the two as a deadlock,
 * and the delivery is merged by the other (`mergeStored`).
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
    async handler({ before }) {
      const cutoff = before ? new Date(before) : new Date(ctx.now().getTime() - RECOVERY_GRACE_MS);
      const tried = await recoverDeliveries(ctx, cutoff);
      if (tried > 0) ctx.log.info({ tried }, 'merged deliveries left unprocessed');
    },
  };
}
