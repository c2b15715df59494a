/**
 * How a realtime call event changes a loaded page of the call history, as pure functions.
 *
 * The history is newest first by (createdAt, id), the API's keyset order; pages keep the server's
 * cursors, which name rows, so inserting or removing rows locally never breaks "Load more". An
 * update is applied only when its `version` is newer than the row's: events and refetches may cross.
 */
import type { InfiniteData } from '@tanstack/react-query';
import type { Call, CallFilters, CallPage } from '../api/client';

export type CallPages = InfiniteData<CallPage, string | undefined>;

/** Digits only: `+91 98765-43210` and `919876543210` look for the same calls. */
export function numberDigits(value: string): string {
  return value.replace(/\D/g, '');
}

/** True when `call` belongs in a history filtered by `filters`. */
export function matchesFilters(call: Call, filters: CallFilters): boolean {
  if (filters.status?.length && !filters.status.includes(call.status)) return false;
  if (filters.agentId && call.agentId !== filters.agentId) return false;
  const created = Date.parse(call.createdAt);
  if (filters.from && created < Date.parse(filters.from)) return false;
  if (filters.to && created >= Date.parse(filters.to)) return false;
  const digits = filters.number ? numberDigits(filters.number) : '';
  if (digits) {
    const numbers = [call.toNumber, call.fromNumber].filter(Boolean).map((n) => numberDigits(n!));
    if (!numbers.some((n) => n.includes(digits))) return false;
  }
  return true;
}

/** Newest first: negative when `a` comes before `b`. */
function compare(a: Call, b: Call): number {
  const at = Date.parse(a.createdAt);
  const bt = Date.parse(b.createdAt);
  if (at !== bt) return bt - at;
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}

/**
 * The pages after `call` was created or changed: replaced in place when newer, removed when it no
 * longer matches the filters, inserted in order when it matches and falls within what is loaded
 * (a call older than the last loaded row arrives with "Load more").
 */
export function upsertCall(
  data: CallPages | undefined,
  call: Call,
  filters: CallFilters,
): CallPages | undefined {
  if (!data) return data;
  const matches = matchesFilters(call, filters);
  for (let p = 0; p < data.pages.length; p++) {
    const page = data.pages[p]!;
    const index = page.data.findIndex((c) => c.id === call.id);
    if (index === -1) continue;
    if (page.data[index]!.version >= call.version) return data;
    const rows = matches
      ? page.data.map((c, i) => (i === index ? call : c))
      : page.data.filter((_, i) => i !== index);
    return replacePage(data, p, { ...page, data: rows });
  }
  if (!matches) return data;
  const lastPage = data.pages.length - 1;
  for (let p = 0; p <= lastPage; p++) {
    const page = data.pages[p]!;
    const tail = page.data.at(-1);
    const fits = !tail || compare(call, tail) < 0 || (p === lastPage && page.nextCursor === null);
    if (!fits) continue;
    const at = page.data.findIndex((c) => compare(call, c) < 0);
    const rows = [...page.data];
    rows.splice(at === -1 ? rows.length : at, 0, call);
    return replacePage(data, p, { ...page, data: rows });
  }
  return data;
}

/** The pages without the call `callId`. */
export function removeCall(data: CallPages | undefined, callId: string): CallPages | undefined {
  if (!data) return data;
  const p = data.pages.findIndex((page) => page.data.some((c) => c.id === callId));
  if (p === -1) return data;
  const page = data.pages[p]!;
  return replacePage(data, p, { ...page, data: page.data.filter((c) => c.id !== callId) });
}

/** The newer of two versions of a call (the cached one when the incoming one is not newer). */
export function newerCall(current: Call | undefined, incoming: Call): Call {
  return current && current.version >= incoming.version ? current : incoming;
}

function replacePage(data: CallPages, index: number, page: CallPage): CallPages {
  return { ...data, pages: data.pages.map((p, i) => (i === index ? page : p)) };
}
