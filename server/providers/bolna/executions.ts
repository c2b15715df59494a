import { BolnaValidationError } from './errors.js';
import type { RequestSpec, SuccessResponse } from './http.js';
import { mapExecution, type ProviderCallSnapshot } from './mapping.js';
import { executionsPage, parseResponse } from './responses.js';
import { toBolnaStatus, type CallStatus } from './status.js';
import { formatBolnaTime, parseProviderTime } from './time.js';

/**
 * Walking GET /v2/agent/{id}/executions. Live Bolna requires `from`/`to`, refuses windows longer than
 * 7 days and pages of more than 50, so a long range is cut into ≤7-day windows and each window is paged
 * through `has_more`. Items are yielded once each even when windows share a boundary or a page shifts.
 */

/** Bolna's largest accepted page. */
export const MAX_PAGE_SIZE = 50;
/** Bolna's longest accepted from/to window. */
export const MAX_WINDOW_MS = 7 * 24 * 60 * 60 * 1000;

/** Filters for `listAgentExecutions`. */
export interface ListExecutionsOptions {
  /** Start of the range (inclusive). A string is parsed like a Bolna timestamp (no zone = UTC). */
  from: Date | string;
  /** End of the range. */
  to: Date | string;
  /** Only executions in this status (ours or Bolna's spelling). */
  status?: CallStatus | string;
  /** Items per page, 1..50 (default 50). */
  pageSize?: number;
}

/** A [from, to] window of at most `maxMs`. */
export interface TimeWindow {
  from: Date;
  to: Date;
}

/**
 * Cuts [from, to] into consecutive windows of at most `maxMs` (the last one shorter). Newest first,
 * matching the newest-first order Bolna lists executions in. An empty range yields one empty window.
 */
export function splitIntoWindows(from: Date, to: Date, maxMs: number = MAX_WINDOW_MS): TimeWindow[] {
  const windows: TimeWindow[] = [];
  let end = to.getTime();
  const start = from.getTime();
  do {
    const begin = Math.max(start, end - maxMs);
    windows.push({ from: new Date(begin), to: new Date(end) });
    end = begin;
  } while (end > start);
  return windows;
}

type Send = (spec: RequestSpec) => Promise<SuccessResponse>;

/**
 * Iterates every execution of an agent in [from, to], newest window first. Items are mapped with
 * `mapExecution`; they are trimmed by Bolna (status, duration, creation time, short telephony data), so
 * fetch an execution by id for transcript, cost and recording.
 */
export async function* iterateExecutions(
  send: Send,
  agentId: string,
  options: ListExecutionsOptions,
): AsyncGenerator<ProviderCallSnapshot, void, undefined> {
  const operation = `list the executions of agent ${agentId}`;
  const from = parseProviderTime(options.from);
  const to = parseProviderTime(options.to);
  if (!from || !to || from.getTime() > to.getTime()) {
    throw new BolnaValidationError(
      `Cannot ${operation}: "from" and "to" must be valid timestamps with from ≤ to.`,
      { operation },
    );
  }
  const pageSize = Math.min(MAX_PAGE_SIZE, Math.max(1, Math.floor(options.pageSize ?? MAX_PAGE_SIZE)));
  const status = options.status ? toBolnaStatus(options.status) : undefined;
  const seen = new Set<string>();
  for (const window of splitIntoWindows(from, to)) {
    for (let page = 1; ; page += 1) {
      const res = await send({
        method: 'GET',
        path: `/v2/agent/${encodeURIComponent(agentId)}/executions`,
        query: {
          page_number: page,
          page_size: pageSize,
          status,
          from: formatBolnaTime(window.from),
          to: formatBolnaTime(window.to),
        },
        operation,
      });
      const envelope = parseResponse(executionsPage, res.body, operation, res.status);
      // Bolna echoes the page as `page_number` (or `page` in some forms); trust it only to move forward.
      page = Math.max(page, envelope.page_number ?? envelope.page ?? page);
      for (const item of envelope.data) {
        const snapshot = mapExecution(item);
        if (seen.has(snapshot.providerCallId)) continue;
        seen.add(snapshot.providerCallId);
        if (snapshot.providerAgentId === null) snapshot.providerAgentId = agentId;
        yield snapshot;
      }
      const hasMore = envelope.has_more ?? envelope.data.length >= (envelope.page_size ?? pageSize);
      if (!hasMore || envelope.data.length === 0) break;
    }
  }
}
