/**
 * Organization metrics for the calls dashboard: counts, answered calls, success rate, durations,
 * costs and a per-day series over a range of creation times, exact on any range and fast on a
 * history of millions of calls.
 *
 * Whole UTC days come from the `call_stats_daily` rollup (days × agents × statuses rows); a range
 * edge that is not a UTC midnight makes a partial day, computed from `calls` directly (at most two
 * days of calls), so any instant is exact.
 */
import { CALL_STATUSES, TERMINAL_STATUSES, type CallStatus } from '../../../common/call-status.js';
import { METRICS_DEFAULT_DAYS, METRICS_MAX_DAYS, type OrgMetrics } from '../../../common/schemas/metrics.js';
import type { AppContext } from '../../context.js';
import { ValidationFailed } from '../../errors.js';
import {
  countActiveCalls,
  sumCallsBetween,
  sumDailyStats,
  type DayStatusCounts,
} from './metrics.repository.js';

const DAY_MS = 86_400_000;

/** Which calls to measure: created in `[from, to)`, of one agent if given. Defaults as in the API. */
export interface MetricsRange {
  /** Inclusive; an ISO date or date-time, or a Date. Default: `to` minus 30 days. */
  from?: Date | string;
  /** Exclusive; default: the next UTC midnight (the default range is the last 30 days with today). */
  to?: Date | string;
  /** Only this agent's calls; the nil UUID selects calls without an agent. */
  agentId?: string | null;
}

/**
 * The metrics of one organization over `range` (see `OrgMetrics` in common/schemas/metrics.ts for
 * every definition). A plain function of the database state and the clock: the HTTP route and the
 * realtime `metrics:updated` push both call it (any AppContext will do; only `db` and `now` are used).
 *
 * @throws ValidationFailed (field `from`) when `from` is not before `to`, or the range is longer than
 * METRICS_MAX_DAYS, after defaults.
 */
export async function getOrgMetrics(
  ctx: Pick<AppContext, 'db' | 'now'>,
  organizationId: string,
  range: MetricsRange = {},
): Promise<OrgMetrics> {
  const { from, to } = resolveMetricsRange(range, ctx.now());
  const agentId = range.agentId ?? undefined;
  const plan = planRange(from, to);
  const [daily, partial, activeCalls] = await Promise.all([
    plan.wholeDays
      ? sumDailyStats(ctx.db, organizationId, plan.wholeDays.from, plan.wholeDays.to, agentId)
      : Promise.resolve([]),
    sumCallsBetween(ctx.db, organizationId, plan.partial, agentId),
    countActiveCalls(ctx.db, organizationId, agentId),
  ]);
  return {
    from: from.toISOString(),
    to: to.toISOString(),
    agentId: agentId ?? null,
    activeCalls,
    ...summarize([...daily, ...partial], daysOf(from, to)),
  };
}

/** Applies the defaults to a range and checks it; instants are taken to the millisecond. */
export function resolveMetricsRange(range: MetricsRange, now: Date): { from: Date; to: Date } {
  const to = range.to !== undefined ? instant(range.to) : new Date(startOfUtcDay(now).getTime() + DAY_MS);
  const from =
    range.from !== undefined ? instant(range.from) : new Date(to.getTime() - METRICS_DEFAULT_DAYS * DAY_MS);
  if (Number.isNaN(from.getTime())) throw ValidationFailed.field('from', 'is not a date');
  if (Number.isNaN(to.getTime())) throw ValidationFailed.field('to', 'is not a date');
  if (from.getTime() >= to.getTime()) {
    throw ValidationFailed.field('from', `must be before \`to\` (${to.toISOString()})`);
  }
  if (to.getTime() - from.getTime() > METRICS_MAX_DAYS * DAY_MS) {
    throw ValidationFailed.field(
      'from',
      `must be at most ${METRICS_MAX_DAYS} days before \`to\` (${to.toISOString()})`,
    );
  }
  return { from, to };
}

/**
 * Splits `[from, to)` into whole UTC days (read from the rollup) and at most two partial pieces
 * (read from `calls`): the start of a range that is not a midnight up to the next midnight, and
 * the last midnight up to an end that is not one. A range within less than two days with no whole
 * day inside is read from `calls` in one piece.
 */
export function planRange(
  from: Date,
  to: Date,
): { wholeDays: { from: string; to: string } | null; partial: { from: Date; to: Date }[] } {
  const firstMidnight = isMidnight(from) ? from : new Date(startOfUtcDay(from).getTime() + DAY_MS);
  const lastMidnight = startOfUtcDay(to);
  if (firstMidnight.getTime() >= lastMidnight.getTime()) return { wholeDays: null, partial: [{ from, to }] };
  const partial: { from: Date; to: Date }[] = [];
  if (from.getTime() < firstMidnight.getTime()) partial.push({ from, to: firstMidnight });
  if (lastMidnight.getTime() < to.getTime()) partial.push({ from: lastMidnight, to });
  return { wholeDays: { from: dayOf(firstMidnight), to: dayOf(lastMidnight) }, partial };
}

type Summary = Omit<OrgMetrics, 'from' | 'to' | 'agentId' | 'activeCalls'>;

/** Folds (day, status) cells into the totals and the per-day series over `days`. */
function summarize(cells: DayStatusCounts[], days: string[]): Summary {
  const perDay = new Map(
    days.map((date) => [date, { date, total: 0, byStatus: zeroByStatus(), costCents: 0, durationSec: 0 }]),
  );
  const byStatus = zeroByStatus();
  let totalCalls = 0;
  let answeredCalls = 0;
  let finishedCalls = 0;
  let finishedAnswered = 0;
  let durationSum = 0;
  let costSum = 0;
  for (const cell of cells) {
    const day = perDay.get(cell.day);
    if (day) {
      day.total += cell.calls;
      day.byStatus[cell.status] += cell.calls;
      day.costCents += cell.costSum;
      day.durationSec += cell.durationSum;
    }
    byStatus[cell.status] += cell.calls;
    totalCalls += cell.calls;
    answeredCalls += cell.answered;
    durationSum += cell.durationSum;
    costSum += cell.costSum;
    if (TERMINAL_STATUSES.includes(cell.status)) {
      finishedCalls += cell.calls;
      finishedAnswered += cell.answered;
    }
  }
  return {
    totalCalls,
    byStatus,
    answeredCalls,
    finishedCalls,
    successRate: finishedCalls === 0 ? 0 : finishedAnswered / finishedCalls,
    avgDurationSec: answeredCalls === 0 ? 0 : round(durationSum / answeredCalls, 3),
    totalDurationSec: round(durationSum, 3),
    totalCostCents: round(costSum, 4),
    callsPerDay: [...perDay.values()].map((d) => ({
      ...d,
      costCents: round(d.costCents, 4),
      durationSec: round(d.durationSec, 3),
    })),
  };
}

function zeroByStatus(): Record<CallStatus, number> {
  return Object.fromEntries(CALL_STATUSES.map((s) => [s, 0])) as Record<CallStatus, number>;
}

/** The UTC days that `[from, to)` touches, oldest first. */
function daysOf(from: Date, to: Date): string[] {
  const days: string[] = [];
  for (let t = startOfUtcDay(from).getTime(); t < to.getTime(); t += DAY_MS) days.push(dayOf(new Date(t)));
  return days;
}

function instant(value: Date | string): Date {
  return value instanceof Date ? new Date(value.getTime()) : new Date(value);
}

function startOfUtcDay(date: Date): Date {
  return new Date(Math.floor(date.getTime() / DAY_MS) * DAY_MS);
}

function isMidnight(date: Date): boolean {
  return date.getTime() % DAY_MS === 0;
}

function dayOf(date: Date): string {
  return date.toISOString().slice(0, 10);
}

/** Sums of numeric columns arrive as floats: drop the binary noise beyond the columns' scale. */
function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
