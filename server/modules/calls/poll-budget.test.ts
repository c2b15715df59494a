import { randomUUID } from 'node:crypto';
import { createClient, type RedisClientType } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPollBudget, type PollBudget } from './poll-budget.js';

const redisUrl = process.env.TEST_REDIS_URL;
if (!redisUrl) console.log('[poll budget] the Redis variant is skipped: it needs TEST_REDIS_URL');

/** The same checks for the in-memory budget and for budgets shared through Redis. */
function budgetBehaviour(make: (perMinute: number) => PollBudget) {
  it('lets a burst of a tenth of the minute go at once, then gives each caller a slot of its own', async () => {
    const budget = make(60); // a slot a second, a burst of 6
    const key = `k-${randomUUID()}`;
    const waits: number[] = [];
    for (let i = 0; i < 30; i++) waits.push(await budget.reserve(key));
    expect(waits.slice(0, 6)).toEqual([0, 0, 0, 0, 0, 0]);
    // Every later caller waits one second more than the one before it (give or take the clock).
    for (let i = 6; i < 30; i++) {
      expect(waits[i]).toBeGreaterThan((i - 5) * 1000 - 100);
      expect(waits[i]).toBeLessThanOrEqual((i - 5) * 1000 + 100);
    }
    expect(await budget.reserve(`another-${randomUUID()}`)).toBe(0);
  });

  it('starts no slot of a key before the end of a pause after a 429', async () => {
    const budget = make(100);
    const key = `k-${randomUUID()}`;
    expect(await budget.reserve(key)).toBe(0);
    await budget.pause(key, 5_000);
    expect(await budget.reserve(key)).toBeGreaterThan(4_500);
    expect(await budget.reserve(`other-${randomUUID()}`)).toBe(0);
  });
}

describe('poll budget (memory)', () => {
  budgetBehaviour((perMinute) => createPollBudget(perMinute));
});

describe.runIf(redisUrl)('poll budget (Redis, shared by two nodes)', () => {
  const clients: RedisClientType[] = [];
  beforeAll(async () => {
    for (let i = 0; i < 2; i++) {
      const client = createClient({ url: redisUrl }) as RedisClientType;
      await client.connect();
      clients.push(client);
    }
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.quit()));
  });

  // Alternating nodes: the slots are the key's, whichever node reserves them.
  let turn = 0;
  budgetBehaviour((perMinute) => {
    const nodes = clients.map((client) => createPollBudget(perMinute, client));
    return {
      reserve: (key) => nodes[turn++ % 2]!.reserve(key),
      pause: (key, ms) => nodes[turn++ % 2]!.pause(key, ms),
    };
  });
});
