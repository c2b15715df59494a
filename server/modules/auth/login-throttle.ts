/**
 * Login throttling per IP (every attempt counts) and per account (failures count, a success
 * clears them). Unknown emails are throttled exactly like known ones, so the limiter reveals nothing.
 */
import { RateLimiterRes } from 'rate-limiter-flexible';
import type { RedisClientType } from 'redis';
import { createLimiter } from '../../lib/limiters.js';
import { RateLimited } from '../../errors.js';

export interface LoginThrottleOptions {
  maxFailuresPerAccount: number;
  maxAttemptsPerIp: number;
  windowSeconds: number;
}

export interface LoginThrottle {
  /** Counts an attempt from `ip`; throws RateLimited when either budget is spent. */
  beforeAttempt(ip: string, email: string): Promise<void>;
  recordFailure(email: string): Promise<void>;
  recordSuccess(email: string): Promise<void>;
}

/** Counts live in Redis when `redis` is given (several nodes), else in this process. */
export function createLoginThrottle(options: LoginThrottleOptions, redis?: RedisClientType): LoginThrottle {
  const perIp = createLimiter(
    { keyPrefix: 'automitra:login_ip', points: options.maxAttemptsPerIp, duration: options.windowSeconds },
    redis,
  );
  const perAccount = createLimiter(
    {
      keyPrefix: 'automitra:login_account',
      points: options.maxFailuresPerAccount,
      duration: options.windowSeconds,
    },
    redis,
  );
  const accountKey = (email: string) => email.trim().toLowerCase();

  return {
    async beforeAttempt(ip, email) {
      const account = await perAccount.get(accountKey(email));
      if (account && account.consumedPoints >= options.maxFailuresPerAccount) {
        throw tooMany(account.msBeforeNext);
      }
      try {
        await perIp.consume(ip);
      } catch (res) {
        if (res instanceof RateLimiterRes) throw tooMany(res.msBeforeNext);
        throw res;
      }
    },
    async recordFailure(email) {
      await perAccount.penalty(accountKey(email), 1);
    },
    async recordSuccess(email) {
      await perAccount.delete(accountKey(email));
    },
  };
}

function tooMany(msBeforeNext: number): RateLimited {
  const seconds = Math.max(1, Math.ceil(msBeforeNext / 1000));
  return new RateLimited(seconds, `Too many sign-in attempts. Try again in ${seconds} seconds.`);
}
