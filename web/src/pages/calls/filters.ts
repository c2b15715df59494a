/** The call history's filters as URL search params (shareable, kept on reload) and as API filters. */
import { ACTIVE_STATUSES, type CallStatus } from '../../../../common/call-status.js';
import type { CallFilters } from '../../api/client';

export const FAILED_STATUSES: CallStatus[] = ['failed', 'error', 'balance_low'];

/** Status choices of the filter: groups first, then each status. */
export const STATUS_CHOICES: { value: string; label: string; statuses: CallStatus[] }[] = [
  { value: 'active', label: 'Active now', statuses: [...ACTIVE_STATUSES] },
  { value: 'completed', label: 'Completed', statuses: ['completed'] },
  { value: 'unanswered', label: 'Busy or no answer', statuses: ['busy', 'no_answer'] },
  { value: 'failed', label: 'Failed', statuses: FAILED_STATUSES },
  { value: 'canceled', label: 'Canceled or stopped', statuses: ['canceled', 'stopped'] },
];

export interface FilterParams {
  status: string;
  agent: string;
  /** Local dates, `YYYY-MM-DD`, both inclusive. */
  from: string;
  to: string;
  q: string;
}

export function readFilterParams(params: URLSearchParams): FilterParams {
  return {
    status: params.get('status') ?? '',
    agent: params.get('agent') ?? '',
    from: params.get('from') ?? '',
    to: params.get('to') ?? '',
    q: params.get('q') ?? '',
  };
}

/** A local calendar date at local midnight, as an ISO instant; `plusDays` moves it. */
function localMidnight(date: string, plusDays = 0): string | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!match) return undefined;
  const d = new Date(Number(match[1]), Number(match[2]) - 1, Number(match[3]) + plusDays);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

export function toCallFilters(p: FilterParams): CallFilters {
  const choice = STATUS_CHOICES.find((c) => c.value === p.status);
  return {
    ...(choice ? { status: choice.statuses } : {}),
    ...(p.agent ? { agentId: p.agent } : {}),
    ...(p.from && localMidnight(p.from) ? { from: localMidnight(p.from) } : {}),
    ...(p.to && localMidnight(p.to, 1) ? { to: localMidnight(p.to, 1) } : {}),
    ...(p.q.replace(/\D/g, '') ? { number: p.q.replace(/\D/g, '') } : {}),
  };
}

export function hasFilters(p: FilterParams): boolean {
  return Boolean(p.status || p.agent || p.from || p.to || p.q);
}
