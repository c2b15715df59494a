/** Request and response shapes of organization metrics (the calls dashboard). */
import { z } from 'zod';
import { CALL_STATUSES } from '../call-status.js';
import { IsoDate } from './common.js';

/** The longest range one metrics request may cover. */
export const METRICS_MAX_DAYS = 366;
/** The range when none is given: the last 30 UTC days, today included. */
export const METRICS_DEFAULT_DAYS = 30;

/** An instant: an ISO date (`2026-11-01`, midnight UTC) or an ISO date-time with its offset. */
export const MetricsInstant = z.union([z.iso.date(), IsoDate], {
  error: 'must be an ISO date (YYYY-MM-DD, midnight UTC) or an ISO date-time with offset',
});

export const MetricsQuery = z
  .object({
    from: MetricsInstant.optional().describe(
      'Calls created at or after this instant (to the millisecond). Default: `to` minus 30 days.',
    ),
    to: MetricsInstant.optional().describe(
      'Calls created before this instant (exclusive; `2026-11-21` ends with Nov 20). ' +
        'Default: the next UTC midnight, so the default range is the last 30 UTC days including today.',
    ),
    agentId: z
      .uuid()
      .optional()
      .describe("Only this agent's calls (the nil UUID selects calls without an agent)."),
  })
  .superRefine((q, ctx) => {
    if (!q.from || !q.to) return;
    const from = Date.parse(q.from);
    const to = Date.parse(q.to);
    if (from >= to) ctx.addIssue({ code: 'custom', path: ['from'], message: 'must be before `to`' });
    else if (to - from > METRICS_MAX_DAYS * 86_400_000) {
      ctx.addIssue({
        code: 'custom',
        path: ['from'],
        message: `must be at most ${METRICS_MAX_DAYS} days before \`to\``,
      });
    }
  });
export type MetricsQuery = z.infer<typeof MetricsQuery>;

const Count = z.number().int().nonnegative();

/** Every call status, each with its count (0 when none). */
export const StatusCounts = z
  .record(z.enum(CALL_STATUSES), Count)
  .describe('Calls by current status; every status is present, 0 when none');

export const MetricsDay = z.object({
  date: z.iso
    .date()
    .describe('The UTC day (YYYY-MM-DD); the first and last may be partial days of the range'),
  total: Count.describe('Calls created that day (within the range)'),
  byStatus: StatusCounts,
  costCents: z.number().nonnegative().describe("That day's calls' cost in cents (unknown costs count as 0)"),
  durationSec: z.number().nonnegative().describe("That day's seconds of conversation"),
});

export const OrgMetrics = z
  .object({
    from: IsoDate.describe('Start of the range (inclusive), after defaults'),
    to: IsoDate.describe('End of the range (exclusive), after defaults'),
    agentId: z.uuid().nullable().describe('The agent filter, or null for all calls'),
    totalCalls: Count.describe('Calls created in the range, in any status'),
    activeCalls: Count.describe(
      'Calls not finished right now (queued, initiated, ringing, in_progress, call_disconnected), ' +
        'whenever they were created: a live gauge, not bounded by the range (the agent filter applies)',
    ),
    byStatus: StatusCounts,
    answeredCalls: Count.describe('Calls of the range with a conversation: duration over 0 s'),
    finishedCalls: Count.describe(
      'Calls of the range in a terminal status (completed, busy, no_answer, failed, canceled, stopped, error, balance_low)',
    ),
    successRate: z
      .number()
      .min(0)
      .max(1)
      .describe(
        'Answered ÷ finished: finished calls with duration over 0 s divided by finishedCalls, ' +
          'between 0 and 1; 0 when no call of the range is finished. Calls still in progress do not count.',
      ),
    avgDurationSec: z
      .number()
      .nonnegative()
      .describe('totalDurationSec ÷ answeredCalls: the mean conversation length; 0 when none answered'),
    totalDurationSec: z.number().nonnegative().describe('Seconds of conversation, summed over the range'),
    totalCostCents: z
      .number()
      .describe("Sum of the calls' totalCostCents (unknown costs count 0), fractions of a cent kept"),
    callsPerDay: z
      .array(MetricsDay)
      .describe('One entry per UTC day of the range, oldest first, days without calls included'),
  })
  .meta({ id: 'OrgMetrics' });
export type OrgMetrics = z.infer<typeof OrgMetrics>;
