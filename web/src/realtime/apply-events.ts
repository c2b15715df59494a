/**
 * What each realtime event does to the query cache: calls are written into every loaded history and
 * detail (newer versions only), deletions removed, dashboard numbers replaced or refetched. Nothing
 * here renders; pages simply read the cache.
 */
import type { QueryClient } from '@tanstack/react-query';
import type { Call, CallFilters, OrgMetrics } from '../api/client';
import { keys, type MetricsRange } from '../api/keys';
import { newerCall, removeCall, upsertCall, type CallPages } from '../lib/call-cache';

/** Runs `fn` at most once per `ms` for each key, trailing: the last call always runs. */
export function createThrottle(ms: number) {
  const timers = new Map<string, ReturnType<typeof setTimeout>>();
  return {
    run(key: string, fn: () => void) {
      if (timers.has(key)) return;
      timers.set(
        key,
        setTimeout(() => {
          timers.delete(key);
          fn();
        }, ms),
      );
    },
    clear() {
      for (const timer of timers.values()) clearTimeout(timer);
      timers.clear();
    },
  };
}

export type CacheWriter = ReturnType<typeof createCacheWriter>;

export function createCacheWriter(queryClient: QueryClient) {
  const throttle = createThrottle(1_000);

  /** Writes a call into every cached history of its organization and into its detail. */
  function applyCall(call: Call): void {
    const orgId = call.organizationId;
    for (const query of queryClient.getQueryCache().findAll({ queryKey: keys.callLists(orgId) })) {
      const filters = (query.queryKey[3] ?? {}) as CallFilters;
      queryClient.setQueryData<CallPages>(query.queryKey, (data) => upsertCall(data, call, filters));
    }
    const detail = keys.call(orgId, call.id);
    if (queryClient.getQueryData(detail)) {
      queryClient.setQueryData<Call>(detail, (current) => newerCall(current, call));
      throttle.run(
        `events:${call.id}`,
        () => void queryClient.invalidateQueries({ queryKey: keys.callEvents(orgId, call.id) }),
      );
    }
    throttle.run(
      `sample:${orgId}`,
      () => void queryClient.invalidateQueries({ queryKey: ['org', orgId, 'sample'] }),
    );
  }

  function deleteCall(orgId: string, callId: string): void {
    for (const query of queryClient.getQueryCache().findAll({ queryKey: keys.callLists(orgId) })) {
      queryClient.setQueryData<CallPages>(query.queryKey, (data) => removeCall(data, callId));
    }
    void queryClient.invalidateQueries({ queryKey: keys.call(orgId, callId) });
  }

  /**
   * The pushed numbers are those of the default range (the last 30 days, every agent): they replace
   * that cache; any other range or agent is refetched, at most once a second.
   */
  function applyMetrics(orgId: string, metrics: OrgMetrics): void {
    queryClient.setQueryData(keys.metrics(orgId, { days: 30 }), metrics);
    throttle.run(
      `metrics:${orgId}`,
      () =>
        void queryClient.invalidateQueries({
          queryKey: keys.allMetrics(orgId),
          predicate: (q) => {
            const range = q.queryKey[3] as MetricsRange | undefined;
            return !(range?.days === 30 && !range.agentId);
          },
        }),
    );
  }

  return { applyCall, deleteCall, applyMetrics, close: throttle.clear };
}
