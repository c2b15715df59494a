/** Display formats: one place decides how times, durations, money and numbers read. */

const dateTime = new Intl.DateTimeFormat(undefined, {
  month: 'short',
  day: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
});
const timeOnly = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const full = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
const dayLabel = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric', timeZone: 'UTC' });
const integer = new Intl.NumberFormat();
const relative = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });

/** `Nov 21, 14:02` (or `Today, 14:02`). */
export function formatWhen(iso: string | null | undefined, now = new Date()): string {
  if (!iso) return '—';
  const d = new Date(iso);
  return d.toDateString() === now.toDateString() ? `Today, ${timeOnly.format(d)}` : dateTime.format(d);
}

const clock = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });

/** `14:02:11`: for a timeline within one call. */
export function formatClock(iso: string): string {
  return clock.format(new Date(iso));
}

/** `21 Nov 2026, 14:02:11`: for tooltips and detail pages. */
export function formatFull(iso: string | null | undefined): string {
  return iso ? full.format(new Date(iso)) : '—';
}

/** A UTC day (`2026-11-21`) as `Nov 21`. */
export function formatDay(date: string): string {
  return dayLabel.format(new Date(`${date}T00:00:00Z`));
}

/** `3 min ago`, `in 2 h`. */
export function formatAgo(iso: string, now = Date.now()): string {
  const seconds = Math.round((Date.parse(iso) - now) / 1000);
  const abs = Math.abs(seconds);
  if (abs < 60) return relative.format(seconds, 'second');
  if (abs < 3600) return relative.format(Math.round(seconds / 60), 'minute');
  if (abs < 86_400) return relative.format(Math.round(seconds / 3600), 'hour');
  return relative.format(Math.round(seconds / 86_400), 'day');
}

/** Seconds as `0:42`, `12:05`, `1:02:09`; `—` when unknown. */
export function formatDuration(seconds: number | null | undefined): string {
  if (seconds == null) return '—';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${rest}` : `${m}:${rest}`;
}

/** Bolna reports US cents with fractions: `$0.046`, `$12.40`. */
export function formatCost(cents: number | null | undefined): string {
  if (cents == null) return '—';
  const dollars = cents / 100;
  const digits = Math.abs(dollars) >= 1 || dollars === 0 ? 2 : 3;
  return new Intl.NumberFormat(undefined, {
    style: 'currency',
    currency: 'USD',
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  }).format(dollars);
}

export function formatInt(n: number): string {
  return integer.format(n);
}

export function formatPercent(ratio: number): string {
  return `${(ratio * 100).toFixed(ratio === 0 || ratio === 1 ? 0 : 1)}%`;
}

/** `+919876543210` as `+91 98765 43210` for India and North America; others as given. */
export function formatPhone(number: string | null | undefined): string {
  if (!number) return '—';
  const india = /^\+91(\d{5})(\d{5})$/.exec(number);
  if (india) return `+91 ${india[1]} ${india[2]}`;
  const nanp = /^\+1(\d{3})(\d{3})(\d{4})$/.exec(number);
  if (nanp) return `+1 ${nanp[1]} ${nanp[2]} ${nanp[3]}`;
  return number;
}

/** A field name (`costBreakdown`, `hangup_reason`) in words. */
export function humanize(key: string): string {
  const words = key
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .replace(/[_-]+/g, ' ')
    .trim()
    .toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}
