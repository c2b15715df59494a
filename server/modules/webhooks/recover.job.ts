/**
 * Deliveries that were stored but not merged (the process stopped in between) or whose merge
 * failed are merged again: at start, then every minute.
 */
import type { AppContext } from '../../context.js';
import type { JobDefinition, JobMap } from '../../jobs/types.js';
import { processDelivery } from './process.js';
import { listUnprocessed } from './webhook-events.repository.js';

declare module '../../jobs/types.js' {
  interface JobMap {
    'webhooks.recover': Record<string, never>;
  }
}

const MAX_ATTEMPTS = 10;

/**
 * Merges every delivery older than `graceMs` still waiting; returns how many were tried. Racing an
 * inline merge is harmless: the event row is locked and a merged event is skipped.
 */
export async function recoverDeliveries(ctx: AppContext, graceMs = 1_000): Promise<number> {
  let tried = 0;
  for (;;) {
    const batch = await listUnprocessed(ctx.db, new Date(ctx.now().getTime() - graceMs), MAX_ATTEMPTS, 200);
    for (const { id } of batch) await processDelivery(ctx, id);
    tried += batch.length;
    if (batch.length < 200) return tried;
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
