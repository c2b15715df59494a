/**
 * `metrics:updated`, coalesced: a burst of call changes in one organization yields at most one push
 * a second. With several nodes, a Redis key elects the node that pushes in each second; a node that
 * loses the election tries again after it, so the last change is always reflected.
 */
import type { AppContext } from '../context.js';
import { getOrgMetrics } from '../modules/metrics/metrics.service.js';

const WINDOW_MS = 1_000;

export interface MetricsPusher {
  /** Something changed in this organization's calls. */
  touch(organizationId: string): void;
  close(): void;
}

export function createMetricsPusher(
  ctx: Pick<AppContext, 'db' | 'now' | 'redis' | 'log'>,
  emit: (organizationId: string, metrics: Awaited<ReturnType<typeof getOrgMetrics>>) => void,
  /** False when nobody could receive the push (the numbers are then not computed at all). */
  hasWatchers: (organizationId: string) => boolean = () => true,
): MetricsPusher {
  const timers = new Map<string, NodeJS.Timeout>();
  let closed = false;

  async function claim(organizationId: string): Promise<boolean> {
    if (!ctx.redis) return true;
    const won = await ctx.redis.set(`automitra:metrics-push:${organizationId}`, '1', {
      NX: true,
      PX: WINDOW_MS,
    });
    return won === 'OK';
  }

  async function flush(organizationId: string): Promise<void> {
    timers.delete(organizationId);
    if (closed || !hasWatchers(organizationId)) return;
    try {
      if (!(await claim(organizationId))) {
        schedule(organizationId); // another node pushed this second; push after it
        return;
      }
      emit(organizationId, await getOrgMetrics(ctx, organizationId));
    } catch (err) {
      ctx.log.warn({ err, organizationId }, 'could not push metrics');
    }
  }

  function schedule(organizationId: string): void {
    if (closed || timers.has(organizationId)) return;
    const timer = setTimeout(() => void flush(organizationId), WINDOW_MS);
    timer.unref();
    timers.set(organizationId, timer);
  }

  return {
    touch: schedule,
    close() {
      closed = true;
      for (const timer of timers.values()) clearTimeout(timer);
      timers.clear();
    },
  };
}
