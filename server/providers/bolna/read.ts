/**
 * Tolerant readers for Bolna's JSON. Bolna sends `""`, `null`, strings for numbers and fields that come and
 * go; these helpers turn every "no value" into null so that nothing downstream mistakes an empty field for
 * data (a fake 0 cost, an empty transcript).
 */

/** The value as a plain object, or null. */
export function asRecord(value: unknown): Record<string, unknown> | null {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : null;
}

/** A non-empty trimmed string, or null (`""`, whitespace, null and non-strings are "no value"). */
export function readString(value: unknown): string | null {
  if (typeof value === 'string') {
    const trimmed = value.trim();
    return trimmed === '' ? null : trimmed;
  }
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return null;
}

/** Like `readString` but keeps the text as sent (transcripts keep their line breaks). */
export function readText(value: unknown): string | null {
  return typeof value === 'string' && value.trim() !== '' ? value : null;
}

/** A finite number from a number or a numeric string (`"69"`, `"12.5"`), else null. */
export function readNumber(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'string' && value.trim() !== '') {
    const parsed = Number(value.trim());
    return Number.isFinite(parsed) ? parsed : null;
  }
  return null;
}

/** A boolean, also from `"true"`/`"false"`, else null. */
export function readBoolean(value: unknown): boolean | null {
  if (typeof value === 'boolean') return value;
  if (value === 'true') return true;
  if (value === 'false') return false;
  return null;
}

/** The first argument that is not null/undefined. */
export function firstPresent<T>(...values: (T | null | undefined)[]): T | null {
  for (const value of values) if (value !== null && value !== undefined) return value;
  return null;
}
