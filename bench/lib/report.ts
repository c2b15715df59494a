/** Plain-text tables for benchmark output (also valid Markdown, to paste into docs/benchmarks.md). */

export function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`;
  const rule = `| ${widths.map((w, i) => (i === 0 ? '-'.repeat(w) : `${'-'.repeat(Math.max(1, w - 1))}:`)).join(' | ')} |`;
  return [line(headers), rule, ...rows.map(line)].join('\n');
}

export const fixed = (n: number, digits = 0) =>
  Number.isFinite(n)
    ? n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })
    : '-';

export const ms = (n: number) => `${fixed(n, n < 10 ? 1 : 0)} ms`;

export const mib = (bytes: number) => `${fixed(bytes / 1024 / 1024)} MiB`;

export const passFail = (ok: boolean) => (ok ? 'PASS' : 'FAIL');
