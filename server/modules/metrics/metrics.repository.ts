/**
 * The SQL behind organization metrics: whole UTC days from the `call_stats_daily` rollup (kept by
 * triggers on `calls`), partial days straight from `calls`, and the live count of unfinished calls.
 */
import { and, eq, gte, inArray, isNull, lt, or, sql, type SQL } from 'drizzle-orm';
import { ACTIVE_STATUSES, type CallStatus } from '../../../common/call-status.js';
import type { Db } from '../../db/index.js';
import { calls, callStatsDaily } from '../../db/schema.js';

/** The rollup's key for "no agent": calls whose agent_id is NULL. */
export const NO_AGENT = '00000000-0000-0000-0000-000000000000';

/** The counters of one (UTC day, status) cell, summed over agents. */
export interface DayStatusCounts {
  /** YYYY-MM-DD (UTC). */
  day: string;
  status: CallStatus;
  calls: number;
  answered: number;
  durationSum: number;
  costSum: number;
}

/**
 * Sums the rollup over the whole UTC days `[fromDay, toDay)` (YYYY-MM-DD), by day and status.
 * Reads at most days × agents × statuses rows of one organization, through the primary key
 * (organization_id, day, …) or, with an agent, `call_stats_daily_agent_idx`.
 */
export async function sumDailyStats(
  db: Db,
  organizationId: string,
  fromDay: string,
  toDay: string,
  agentId: string | undefined,
): Promise<DayStatusCounts[]> {
  const t = callStatsDaily;
  const rows = await db
    .select({
      day: sql<string>`${t.day}::text`,
      status: t.status,
      calls: sql`sum(${t.calls})`.mapWith(Number),
      answered: sql`sum(${t.answered})`.mapWith(Number),
      durationSum: sql`sum(${t.durationSum})`.mapWith(Number),
      costSum: sql`sum(${t.costSum})`.mapWith(Number),
    })
    .from(t)
    .where(
      and(
        eq(t.organizationId, organizationId),
        gte(t.day, fromDay),
        lt(t.day, toDay),
        agentId === undefined ? undefined : eq(t.agentId, agentId),
      ),
    )
    .groupBy(t.day, t.status);
  return rows as DayStatusCounts[];
}

/**
 * The same counters computed from `calls` itself, over the instants `[from, to)` of each range
 * (the partial first and last days of a range; at most two days of calls, found through the
 * (organization_id, created_at) or (organization_id, agent_id, created_at) index).
 */
export async function sumCallsBetween(
  db: Db,
  organizationId: string,
  ranges: { from: Date; to: Date }[],
  agentId: string | undefined,
): Promise<DayStatusCounts[]> {
  if (ranges.length === 0) return [];
  const day = sql<string>`((${calls.createdAt} AT TIME ZONE 'UTC')::date)::text`;
  const answered = sql`${calls.duration} > 0`;
  const rows = await db
    .select({
      day,
      status: calls.status,
      calls: sql`count(*)`.mapWith(Number),
      answered: sql`count(*) FILTER (WHERE ${answered})`.mapWith(Number),
      durationSum: sql`coalesce(sum(${calls.duration}) FILTER (WHERE ${answered}), 0)`.mapWith(Number),
      costSum: sql`coalesce(sum(${calls.totalCostCents}), 0)`.mapWith(Number),
    })
    .from(calls)
    .where(
      and(
        eq(calls.organizationId, organizationId),
        agentCondition(agentId),
        or(...ranges.map((r) => and(gte(calls.createdAt, r.from), lt(calls.createdAt, r.to)))),
      ),
    )
    .groupBy(day, calls.status);
  return rows as DayStatusCounts[];
}

/** Calls of the organization (of one agent, if given) not finished now, whenever created. */
export async function countActiveCalls(
  db: Db,
  organizationId: string,
  agentId: string | undefined,
): Promise<number> {
  const [row] = await db
    .select({ n: sql`count(*)`.mapWith(Number) })
    .from(calls)
    .where(
      and(
        eq(calls.organizationId, organizationId),
        inArray(calls.status, ACTIVE_STATUSES),
        agentCondition(agentId),
      ),
    );
  return row?.n ?? 0;
}

function agentCondition(agentId: string | undefined): SQL | undefined {
  if (agentId === undefined) return undefined;
  return agentId === NO_AGENT ? isNull(calls.agentId) : eq(calls.agentId, agentId);
}
