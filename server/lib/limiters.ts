/**
 * Rate limiters that hold their counts where every node sees them: in Redis when the platform runs
 * on several nodes (`REDIS_URL`), in memory for a single node.
 */
import { RateLimiterMemory, RateLimiterRedis, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { RedisClientType } from 'redis';

export interface LimiterOptions {
  keyPrefix: string;
  points: number;
  /** Window in seconds. */
  duration: number;
}

export function createLimiter(options: LimiterOptions, redis?: RedisClientType): RateLimiterAbstract {
  return redis
    ? new RateLimiterRedis({ ...options, storeClient: redis, useRedisPackage: true })
    : new RateLimiterMemory(options);
}
