/**
 * Bolna's timestamps. Real payloads carry naive ISO strings with microseconds and no zone
 * (`2026-01-28T13:17:50.116924`), which are UTC; the docs show `…Z`. Both parse to the same instant here,
 * whatever the server's own time zone is (never hand a naive string to `new Date()`: it reads local time).
 */

const ISO =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?\s*(Z|z|[+-]\d{2}(?::?\d{2})?)?$/;

/**
 * Parses a provider timestamp into a UTC `Date`.
 * - strings: ISO 8601 with or without zone (no zone = UTC), `T` or space separator, any number of
 *   fractional digits (kept to the millisecond);
 * - numbers: Unix epoch in seconds (below 1e11) or milliseconds;
 * - `Date`: returned when valid.
 * Returns null for null, `""`, and anything unparseable, so a bad value never becomes a fake date.
 */
export function parseProviderTime(value: unknown): Date | null {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value;
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value <= 0) return null;
    return new Date(value < 1e11 ? value * 1000 : value);
  }
  if (typeof value !== 'string') return null;
  const match = ISO.exec(value.trim());
  if (!match) return null;
  const [, y, mo, d, h = '0', mi = '0', s = '0', frac = '', zone] = match;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  const ms = Number(frac.slice(0, 3).padEnd(3, '0'));
  const local = Date.UTC(year, month - 1, day, hour, minute, second, ms);
  const check = new Date(local);
  if (
    check.getUTCFullYear() !== year ||
    check.getUTCMonth() !== month - 1 ||
    check.getUTCDate() !== day ||
    hour > 23 ||
    minute > 59 ||
    second > 59
  ) {
    return null;
  }
  return new Date(local - offsetMinutes(zone) * 60_000);
}

function offsetMinutes(zone: string | undefined): number {
  if (!zone || zone === 'Z' || zone === 'z') return 0;
  const sign = zone.startsWith('-') ? -1 : 1;
  const digits = zone.slice(1).replace(':', '');
  const hours = Number(digits.slice(0, 2));
  const minutes = digits.length > 2 ? Number(digits.slice(2, 4)) : 0;
  return sign * (hours * 60 + minutes);
}

/**
 * Formats an instant the way Bolna accepts it in requests: ISO 8601 with a numeric `+00:00` offset.
 * A trailing `Z` makes live Bolna answer 500 on `scheduled_at`, so it is never sent.
 */
export function formatBolnaTime(date: Date): string {
  return date.toISOString().replace(/Z$/, '+00:00');
}
