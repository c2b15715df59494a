import { describe, expect, it } from 'vitest';
import { MAX_WINDOW_MS, splitIntoWindows } from './executions.js';
import { formatBolnaTime } from './time.js';

describe('formatBolnaTime and splitIntoWindows', () => {
  it('sends a numeric +00:00 offset, never Z', () => {
    expect(formatBolnaTime(new Date('2026-01-28T13:17:50.116Z'))).toBe('2026-01-28T13:17:50.116+00:00');
  });

  it('cuts a long range into contiguous windows of at most 7 days, newest first', () => {
    const from = new Date('2026-01-01T00:00:00Z');
    const to = new Date('2026-01-20T12:00:00Z');
    const windows = splitIntoWindows(from, to);
    expect(windows).toHaveLength(3);
    expect(windows[0]?.to).toEqual(to);
    expect(windows.at(-1)?.from).toEqual(from);
    for (const [i, w] of windows.entries()) {
      expect(w.to.getTime() - w.from.getTime()).toBeLessThanOrEqual(MAX_WINDOW_MS);
      if (i > 0) expect(w.to).toEqual(windows[i - 1]?.from);
    }
    expect(splitIntoWindows(from, from)).toEqual([{ from, to: from }]);
  });
});
