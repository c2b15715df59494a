/** Background push of an agent to Bolna: retries after an outage, re-syncs after a token rotation. */
import type { AppContext } from '../../context.js';
import type { JobDefinition, JobMap } from '../../jobs/types.js';
import { pushAgent } from './agent-sync.js';

declare module '../../jobs/types.js' {
  interface JobMap {
    'agent.sync': { agentId: string };
  }
}

export function agentSyncJob(ctx: AppContext): JobDefinition<JobMap, 'agent.sync'> {
  return {
    name: 'agent.sync',
    // The push records Bolna's failures on the agent and schedules its own retry; pg-boss retries
    // only cover crashes of the job itself (database errors, a killed process).
    options: { retryLimit: 5, retryDelay: 10, retryBackoff: true, expireInSeconds: 120, policy: 'short' },
    singletonKey: ({ agentId }) => agentId,
    async handler({ agentId }) {
      await pushAgent(ctx, agentId).catch((err: unknown) => {
        if ((err as { statusCode?: number }).statusCode === 404) return; // agent gone: nothing to do
        throw err;
      });
    },
  };
}
