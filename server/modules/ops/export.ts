/**
 * Streaming export of an organization's calls as CSV or a JSON array: keyset pages of 1,000 rows
 * are written as they are read, so memory stays flat whatever the size of the history.
 */
import { Readable } from 'node:stream';
import { and, count, eq, gte, inArray, lt, type SQL } from 'drizzle-orm';
import type { Call } from '../../../common/schemas/calls.js';
import type { AppContext } from '../../context.js';
import { calls } from '../../db/schema.js';
import { listCalls, toApiCall, type CallCursor, type CallFilters } from '../calls/calls.repository.js';

const PAGE = 1_000;

/** CSV columns, in order; each reads one value from a call. */
const COLUMNS: [string, (c: Call) => unknown][] = [
  ['id', (c) => c.id],
  ['created_at', (c) => c.createdAt],
  ['agent_id', (c) => c.agentId],
  ['provider_call_id', (c) => c.providerCallId],
  ['direction', (c) => c.direction],
  ['status', (c) => c.status],
  ['to_number', (c) => c.toNumber],
  ['from_number', (c) => c.fromNumber],
  ['duration_s', (c) => c.duration],
  ['total_cost_cents', (c) => c.totalCostCents],
  ['hangup_by', (c) => c.hangupBy],
  ['hangup_reason', (c) => c.hangupReason],
  ['error_message', (c) => c.errorMessage],
  ['started_at', (c) => c.startedAt],
  ['ended_at', (c) => c.endedAt],
  ['recording_url', (c) => c.recordingUrl],
  ['summary', (c) => c.summary],
];

/** RFC 4180 field: quoted when it holds a comma, quote or line break; formulas neutralised. */
export function csvField(value: unknown): string {
  if (value === null || value === undefined) return '';
  let text = typeof value === 'object' ? JSON.stringify(value) : String(value);
  // A cell starting with = + - @ would run as a formula in a spreadsheet.
  if (/^[=+\-@]/.test(text) && !/^[+-]?\d/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export async function countCalls(
  ctx: AppContext,
  organizationId: string,
  filters: CallFilters,
): Promise<number> {
  const where: SQL[] = [eq(calls.organizationId, organizationId)];
  if (filters.status?.length) where.push(inArray(calls.status, filters.status));
  if (filters.from) where.push(gte(calls.createdAt, filters.from));
  if (filters.to) where.push(lt(calls.createdAt, filters.to));
  const [row] = await ctx.db
    .select({ n: count() })
    .from(calls)
    .where(and(...where));
  return Number(row?.n ?? 0);
}

export function exportCalls(
  ctx: AppContext,
  organizationId: string,
  filters: CallFilters,
  format: 'csv' | 'json',
): Readable {
  async function* rows(): AsyncGenerator<string> {
    if (format === 'csv') yield COLUMNS.map(([name]) => name).join(',') + '\r\n';
    else yield '[';
    let cursor: CallCursor | null = null;
    let first = true;
    for (;;) {
      const page = await listCalls(ctx.db, organizationId, filters, cursor, PAGE);
      let chunk = '';
      for (const row of page.rows) {
        const call = toApiCall(row);
        if (format === 'csv') chunk += COLUMNS.map(([, read]) => csvField(read(call))).join(',') + '\r\n';
        else {
          chunk += (first ? '\n' : ',\n') + JSON.stringify(call);
          first = false;
        }
      }
      if (chunk) yield chunk;
      if (!page.hasMore || !page.last) break;
      cursor = page.last;
    }
    if (format === 'json') yield first ? ']\n' : '\n]\n';
  }
  return Readable.from(rows());
}
