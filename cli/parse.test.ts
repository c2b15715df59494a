import { describe, expect, it } from 'vitest';
import { CliError } from './errors.js';
import { parseDuration, parseInstant } from './parse.js';

describe('parseDuration', () => {
  it('reads seconds, minutes, hours and days', () => {
    expect(parseDuration('90s')).toBe(90_000);
    expect(parseDuration('60m')).toBe(3_600_000);
    expect(parseDuration('2h')).toBe(7_200_000);
    expect(parseDuration('1d')).toBe(86_400_000);
    expect(parseDuration('1.5h')).toBe(5_400_000);
    expect(parseDuration('45')).toBe(45 * 60_000);
  });

  it('refuses anything else as a usage error (exit 2)', () => {
    for (const bad of ['', 'soon', '5w', '-5m', '0m', 'm5']) {
      expect(() => parseDuration(bad, '--older-than')).toThrow(CliError);
      try {
        parseDuration(bad, '--older-than');
      } catch (err) {
        expect((err as CliError).exitCode).toBe(2);
      }
    }
  });
});

describe('parseInstant', () => {
  const now = new Date('2026-03-10T12:00:00.000Z');

  it('reads dates as midnight UTC and date-times without a zone as UTC', () => {
    expect(parseInstant('2026-01-31', '--from')).toBe('2026-01-31T00:00:00.000Z');
    expect(parseInstant('2026-01-31T09:30:00', '--from')).toBe('2026-01-31T09:30:00.000Z');
    expect(parseInstant('2026-01-31T09:30:00+05:30', '--from')).toBe('2026-01-31T04:00:00.000Z');
  });

  it('reads a duration as "that long ago" only where allowed', () => {
    expect(parseInstant('2d', '--since', now)).toBe('2026-03-08T12:00:00.000Z');
    expect(() => parseInstant('2d', '--from')).toThrow(/not a date/);
    expect(() => parseInstant('yesterday', '--since', now)).toThrow(/not a d/);
    expect(() => parseInstant('2026-13-45', '--from')).toThrow(/not a date/);
  });
});
