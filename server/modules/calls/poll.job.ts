/** The durable poll of one call: runs once across nodes, survives restarts, reschedules itself. */
import type { AppContext } from '../../context.js';
import type { JobDefinition, JobMap } from '../../jobs/types.js';
import { pollCall } from './poll.js';
import type { PollBudget } from './poll-budget.js';

declare module '../../jobs/types.js' {
  interface JobMap {
    /** `reserved`: the poll holds a request slot of the budget (see `PollBudget.reserve`). */
    'call.poll': { callId: string; organizationId: string; reserved?: boolean };
  }
}

export function callPollJob(ctx: AppContext, budget: PollBudget): JobDefinition<JobMap, 'call.poll'> {
  return {
    name: 'call.poll',
    // `short`: at most one queued poll per call, however many deliveries ask for one.
    options: {
      retryLimit: 5,
      retryDelay: 15,
      retryBackoff: true,
      expireInSeconds: 120,
      policy: 'short',
      concurrency: 4,
    },
    singletonKey: ({ callId }) => callId,
    async handler(payload) {
      const outcome = await pollCall(ctx, budget, payload.organizationId, payload.callId, payload.reserved);
      if (outcome.kind === 'again') {
        const next = { callId: payload.callId, organizationId: payload.organizationId };
        await ctx.jobs.send('call.poll', outcome.reserved ? { ...next, reserved: true } : next, {
          startAfter: Math.max(1, Math.ceil(outcome.afterMs / 1000)),
        });
      }
    },
  };
}
