import type { FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import type { SimulatorEngine } from './engine.js';

/**
 * What stands in front of every Bolna API route, in Bolna's order: the Bearer key (403 `{detail}` like
 * live), the per-key rate limit (429 + Retry-After), injected server errors, then injected latency.
 */

/** The Bearer token of a request, or null. */
export function bearerKey(request: FastifyRequest): string | null {
  const header = request.headers.authorization;
  if (typeof header !== 'string') return null;
  const match = /^Bearer\s+(.+)$/i.exec(header.trim());
  return match?.[1]?.trim() || null;
}

/** A sliding-window counter per API key. */
export class RateLimiter {
  private readonly hits = new Map<string, number[]>();

  /** Counts a request; returns the seconds to wait when over `limit` in `windowMs`, else null. */
  take(key: string, limit: number, windowMs: number, now = Date.now()): number | null {
    if (limit <= 0) return null;
    const recent = (this.hits.get(key) ?? []).filter((at) => at > now - windowMs);
    if (recent.length >= limit) {
      this.hits.set(key, recent);
      const oldest = recent[0] ?? now;
      return Math.max(1, Math.ceil((oldest + windowMs - now) / 1000));
    }
    recent.push(now);
    this.hits.set(key, recent);
    return null;
  }

  clear(): void {
    this.hits.clear();
  }
}

/** Builds the onRequest hook of the Bolna API scope. */
export function apiGuard(engine: SimulatorEngine, apiKeys: ReadonlySet<string>, limiter: RateLimiter) {
  return async function guard(request: FastifyRequest, reply: FastifyReply) {
    const key = bearerKey(request);
    if (!key) return reply.code(403).send({ detail: 'Not authenticated' });
    if (!apiKeys.has(key)) return reply.code(403).send({ detail: 'Invalid API key' });
    const knobs = engine.knobs;
    const retryAfter = limiter.take(key, knobs.apiRateLimit, knobs.apiRateLimitWindowMs);
    if (retryAfter !== null) {
      return reply
        .code(429)
        .header('retry-after', String(retryAfter))
        .send({ message: 'Too many requests', error: 'rate_limited' });
    }
    if (engine.apiFaults.chance(knobs.apiErrorRate)) {
      const status = engine.apiFaults.pick([500, 502, 503] as const);
      if (status === 502) {
        return reply.code(502).type('text/html').send('<html><body><h1>502 Bad Gateway</h1></body></html>');
      }
      if (status === 503) return reply.code(503).send({ detail: 'Service temporarily unavailable' });
      return reply.code(500).type('text/plain').send('Internal Server Error');
    }
    if (knobs.apiLatencyMs > 0) await engine.timers.sleep(knobs.apiLatencyMs);
  };
}

/** A zod error as FastAPI/pydantic would report it: `[{loc: ['body', …], msg, type}]`. */
export function pydanticDetail(error: z.ZodError, where: 'body' | 'query' = 'body') {
  return error.issues.map((issue) => {
    const missing = issue.code === 'invalid_type' && issue.message.endsWith('received undefined');
    return {
      loc: [where, ...issue.path.map((part) => (typeof part === 'symbol' ? String(part) : part))],
      msg: missing ? 'Field required' : issue.message,
      type: missing ? 'missing' : issue.code,
    };
  });
}

/** Strict E.164: `+`, country code not starting with 0, 8 to 15 digits in all. */
export const E164 = /^\+[1-9]\d{7,14}$/;
