import { describe, expect, it } from 'vitest';
import { createPollBudget } from './poll-budget.js';

describe('poll budget', () => {
  it('lets a key spend its budget, then says how long to wait', async () => {
    const budget = createPollBudget(3);
    expect([await budget.take('k'), await budget.take('k'), await budget.take('k')]).toEqual([0, 0, 0]);
    const wait = await budget.take('k');
    expect(wait).toBeGreaterThan(0);
    expect(wait).toBeLessThanOrEqual(60_000);
    expect(await budget.take('another key')).toBe(0);
  });

  it('pauses a key after a 429', async () => {
    const budget = createPollBudget(100);
    await budget.pause('k', 5_000);
    const wait = await budget.take('k');
    expect(wait).toBeGreaterThan(4_000);
    expect(await budget.take('other')).toBe(0);
  });
});
