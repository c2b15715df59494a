/**
 * The rate budget for reading executions from Bolna, per API key: polls take a token before each
 * GET /executions, and a 429 pauses the whole key for its Retry-After. One process holds the budget
 * in memory; several nodes share it through Redis (see the realtime notes in the README).
 */
import { RateLimiterRes } from 'rate-limiter-flexible';
import type { RedisClientType } from 'redis';
import { sha256Hex } from '../../lib/crypto.js';
import { createLimiter } from '../../lib/limiters.js';

export interface PollBudget {
  /** 0 when a request may go now, else milliseconds to wait before asking again. */
  take(apiKey: string): Promise<number>;
  /** Bolna said 429: nobody polls with this key for `ms`. */
  pause(apiKey: string, ms: number): Promise<void>;
}

export function createPollBudget(perMinute: number, redis?: RedisClientType): PollBudget {
  const budget = createLimiter({ keyPrefix: 'automitra:bolna_poll', points: perMinute, duration: 60 }, redis);
  const key = (apiKey: string) => sha256Hex(apiKey).slice(0, 16);
  return {
    async take(apiKey) {
      try {
        await budget.consume(key(apiKey));
        return 0;
      } catch (res) {
        if (res instanceof RateLimiterRes) return Math.max(1, res.msBeforeNext);
        throw res;
      }
    },
    async pause(apiKey, ms) {
      await budget.block(key(apiKey), Math.max(1, Math.ceil(ms / 1000)));
    },
  };
}
