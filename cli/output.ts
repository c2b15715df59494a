/**
 * How commands print: a plain-text table for people, or (`--json`) one JSON document on stdout
 * holding the same data for scripts. Notes and progress go to stderr so stdout stays parseable.
 */
import type { CliIo } from './io.js';

export interface Column<T> {
  header: string;
  value: (row: T) => string | number | boolean | null | undefined;
  /** Right-align (numbers). */
  right?: boolean;
}

/** Renders rows as an aligned text table with a header line. */
export function renderTable<T>(rows: readonly T[], columns: readonly Column<T>[]): string {
  const cells = rows.map((row) => columns.map((c) => cellText(c.value(row))));
  const widths = columns.map((c, i) => Math.max(c.header.length, ...cells.map((r) => r[i]!.length)));
  const line = (values: string[]) =>
    values
      .map((v, i) => (columns[i]!.right ? v.padStart(widths[i]!) : v.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(columns.map((c) => c.header)), ...cells.map(line)].join('\n') + '\n';
}

function cellText(value: string | number | boolean | null | undefined): string {
  if (value === null || value === undefined || value === '') return '-';
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  return String(value).replace(/\s+/g, ' ');
}

/** The result printer of one command run. */
export class Output {
  constructor(
    private readonly io: CliIo,
    readonly json: boolean,
  ) {}

  /** Prints the command's result: `data` as JSON with --json, else the text `render` makes. */
  result(data: unknown, render: () => string): void {
    if (this.json) this.io.stdout.write(`${JSON.stringify(data, null, 2)}\n`);
    else this.io.stdout.write(render());
  }

  /** A progress note for people, on stderr (never mixed into --json output). */
  note(message: string): void {
    if (!this.json) this.io.stderr.write(`${message}\n`);
  }

  /** A warning, on stderr in both modes. */
  warn(message: string): void {
    this.io.stderr.write(`warning: ${message}\n`);
  }
}

/** A webhook URL with its token shortened, for tables and logs (`?token=ab12…`). */
export function maskToken(url: string | null | undefined): string | null {
  if (!url) return url ?? null;
  return url.replace(/([?&]token=)([^&]{4})[^&]*/, '$1$2…');
}

/** `1234` → `1.2 s`, `80` → `80 ms`. */
export function formatMs(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/** `2048` → `2.0 kB`. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} kB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** `ok` / `FAIL` marks of check tables. */
export const mark = (ok: boolean) => (ok ? 'ok' : 'FAIL');
