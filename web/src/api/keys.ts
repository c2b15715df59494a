/**
 * Query keys: everything of an organization lives under `['org', orgId, …]`, so switching
 * organizations never mixes data and a realtime event finds exactly the caches it concerns.
 */
import type { CallFilters } from './client';

export interface MetricsRange {
  days: number;
  agentId?: string;
}

export const keys = {
  me: ['me'] as const,
  org: (orgId: string) => ['org', orgId] as const,
  agents: (orgId: string) => ['org', orgId, 'agents'] as const,
  callLists: (orgId: string) => ['org', orgId, 'calls'] as const,
  calls: (orgId: string, filters: CallFilters) => ['org', orgId, 'calls', filters] as const,
  call: (orgId: string, callId: string) => ['org', orgId, 'call', callId] as const,
  callEvents: (orgId: string, callId: string) => ['org', orgId, 'call', callId, 'events'] as const,
  metrics: (orgId: string, range: MetricsRange) => ['org', orgId, 'metrics', range] as const,
  allMetrics: (orgId: string) => ['org', orgId, 'metrics'] as const,
  sample: (orgId: string, range: MetricsRange) => ['org', orgId, 'sample', range] as const,
  members: (orgId: string) => ['org', orgId, 'members'] as const,
  invitations: (orgId: string) => ['org', orgId, 'invitations'] as const,
  apiKeys: (orgId: string) => ['org', orgId, 'api-keys'] as const,
  webhook: (orgId: string) => ['org', orgId, 'webhook'] as const,
};
