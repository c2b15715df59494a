/** Parsing of command-line values: durations (`90s`, `60m`, `2h`, `1d`) and instants. */
import { usageError } from './errors.js';

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/**
 * A duration such as `90s`, `60m`, `2h`, `1d` or `1.5h` in milliseconds; a bare number is minutes.
 * Throws a usage error (exit 2) for anything else.
 */
export function parseDuration(text: string, flag = 'duration'): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$/i.exec(text);
  if (!match) {
    throw usageError(
      `${flag} "${text}" is not a duration: use a number with s, m, h or d (90s, 60m, 2h, 1d)`,
    );
  }
  const unit = (match[2]?.toLowerCase() ?? 'm') as keyof typeof UNIT_MS;
  const ms = Number(match[1]) * UNIT_MS[unit];
  if (ms <= 0) throw usageError(`${flag} must be more than zero`);
  return ms;
}

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const HAS_ZONE = /(Z|[+-]\d{2}:?\d{2})$/i;

/**
 * An instant for the API (ISO with offset): `2026-01-31` (midnight UTC), an ISO date-time (UTC when it
 * carries no zone), or, when `relativeTo` is given, a duration meaning "that long ago" (`7d`).
 */
export function parseInstant(text: string, flag: string, relativeTo?: Date): string {
  const value = text.trim();
  if (DATE_ONLY.test(value)) {
    const date = new Date(`${value}T00:00:00.000Z`);
    if (!Number.isNaN(date.getTime())) return date.toISOString();
  } else if (/^\d{4}-\d{2}-\d{2}T/.test(value)) {
    const date = new Date(HAS_ZONE.test(value) ? value : `${value}Z`);
    if (!Number.isNaN(date.getTime())) return date.toISOString();
  } else if (relativeTo && /^\d/.test(value)) {
    return new Date(relativeTo.getTime() - parseDuration(value, flag)).toISOString();
  }
  throw usageError(
    `${flag} "${text}" is not a date: use YYYY-MM-DD or an ISO date-time such as 2026-01-31T09:00:00Z` +
      (relativeTo ? ', or a duration ago such as 7d' : ''),
  );
}
