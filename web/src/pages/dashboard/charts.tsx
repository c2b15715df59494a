/** The dashboard's charts (Recharts): calls per day by status, call durations, cost per day. */
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { CallStatus } from '../../../../common/call-status.js';
import type { Call, OrgMetrics } from '../../api/client';
import { formatCost, formatDay } from '../../lib/format';

/** Status groups of the stacked bars, in stacking order, with their colours. */
const GROUPS: { key: string; label: string; color: string; statuses: CallStatus[] }[] = [
  { key: 'completed', label: 'Completed', color: '#22a06b', statuses: ['completed'] },
  { key: 'unanswered', label: 'Busy / no answer', color: '#e2a336', statuses: ['busy', 'no_answer'] },
  { key: 'failed', label: 'Failed', color: '#de4c4a', statuses: ['failed', 'error', 'balance_low'] },
  { key: 'canceled', label: 'Canceled', color: '#a1a1aa', statuses: ['canceled', 'stopped'] },
  {
    key: 'active',
    label: 'In progress',
    color: '#5b5bd6',
    statuses: ['queued', 'initiated', 'ringing', 'in_progress', 'call_disconnected'],
  },
];

const AXIS = { fontSize: 11, fill: '#71717a' };
const GRID = '#ececef';
const TOOLTIP = {
  contentStyle: {
    borderRadius: 8,
    border: '1px solid #e4e4e7',
    fontSize: 12,
    boxShadow: '0 4px 16px rgba(0,0,0,.08)',
  },
  cursor: { fill: 'rgba(91,91,214,.06)' },
};

export function CallsPerDayChart({ metrics }: { metrics: OrgMetrics }) {
  const data = metrics.callsPerDay.map((day) => ({
    day: formatDay(day.date),
    ...Object.fromEntries(
      GROUPS.map((g) => [g.key, g.statuses.reduce((sum, s) => sum + (day.byStatus[s] ?? 0), 0)]),
    ),
  }));
  return (
    <ResponsiveContainer width="100%" height="100%">
      <BarChart data={data} margin={{ top: 8, right: 8, bottom: 0, left: -16 }} barCategoryGap="20%">
        <CartesianGrid vertical={false} stroke={GRID} />
        <XAxis dataKey="day" tick={AXIS} tickLine={false} axisLine={false} minTickGap={16} />
        <YAxis allowDecimals={false} tick={AXIS} tickLine={false} axisLine={false} width={40} />
        <Tooltip {...TOOLTIP} />
        <Legend iconType="circle" iconSize={8} wrapperStyle={{ fontSize: 12 }} itemSorter={null} />
        {GROUPS.map((g, i) => (
          <Bar
            key={g.key}
            dataKey={g.key}
            name={g.label}
            stackId="calls"
            fill={g.color}
            radius={i === GROUPS.length - 1 ? [3, 3, 0, 0] : 0}
            isAnimationActive={false}
          />
        ))}
      </BarChart>
    </ResponsiveContainer>
  );
}

const BUCKETS: { label: string; max: number }[] = [
  { label: '<15s', max: 15 },
  { label: '15–30s', max: 30 },
  { label: '30–60s', max: 60 },
  { label: '1–2m', max: 120 },
  { label: '2–5m', max: 300 },
  { label: '5–10m', max: 600 },
  { label: '10m+', max: Infinity },
];

/** Conversations by length (answered calls only). */
export function DurationChart({ calls }: { calls: Call[] }) {
  const counts = BUCKETS.map((b) => ({ bucket: b.label, calls: 0 }));
  for (const call of calls) {
    if (!call.duration || call.duration <= 0) continue;
    const index = BUCKETS.findIndex((b) => call.duration! < b.max);
    counts[index]!.calls += 1;
  }
  return (
    <ResponsiveContainer width="100%" height="100%">
      <BarChart data={counts} margin={{ top: 8, right: 8, bottom: 0, left: -16 }} barCategoryGap="12%">
        <CartesianGrid vertical={false} stroke={GRID} />
        <XAxis dataKey="bucket" tick={AXIS} tickLine={false} axisLine={false} />
        <YAxis allowDecimals={false} tick={AXIS} tickLine={false} axisLine={false} width={40} />
        <Tooltip {...TOOLTIP} />
        <Bar dataKey="calls" name="Calls" fill="#5b5bd6" radius={[3, 3, 0, 0]} isAnimationActive={false} />
      </BarChart>
    </ResponsiveContainer>
  );
}

/** Cost per UTC day: from the metrics when the API reports it per day, else summed from `calls`. */
export function CostPerDayChart({ metrics, calls }: { metrics: OrgMetrics; calls: Call[] }) {
  const fromCalls = new Map<string, number>();
  for (const call of calls) {
    if (call.totalCostCents == null) continue;
    const day = call.createdAt.slice(0, 10);
    fromCalls.set(day, (fromCalls.get(day) ?? 0) + call.totalCostCents);
  }
  const data = metrics.callsPerDay.map((day) => {
    const reported = (day as { costCents?: number }).costCents;
    const cents = typeof reported === 'number' ? reported : (fromCalls.get(day.date) ?? 0);
    return { day: formatDay(day.date), cost: Math.round(cents) / 100 };
  });
  const ticks = niceTicks(Math.max(0, ...data.map((d) => d.cost)));
  return (
    <ResponsiveContainer width="100%" height="100%">
      <BarChart data={data} margin={{ top: 8, right: 8, bottom: 0, left: -8 }} barCategoryGap="20%">
        <CartesianGrid vertical={false} stroke={GRID} />
        <XAxis dataKey="day" tick={AXIS} tickLine={false} axisLine={false} minTickGap={16} />
        <YAxis
          tick={AXIS}
          tickLine={false}
          axisLine={false}
          width={48}
          ticks={ticks}
          domain={[0, ticks.at(-1)!]}
          tickFormatter={(v: number) => `$${v < 10 && ticks.at(-1)! < 10 ? v.toFixed(2) : v.toFixed(0)}`}
        />
        <Tooltip {...TOOLTIP} formatter={(v) => [formatCost(Number(v) * 100), 'Cost']} />
        <Bar dataKey="cost" name="Cost" fill="#8b8be6" radius={[3, 3, 0, 0]} isAnimationActive={false} />
      </BarChart>
    </ResponsiveContainer>
  );
}

/** Five round ticks from 0 covering `max` (steps of 1, 2, 2.5 or 5 times a power of ten). */
export function niceTicks(max: number): number[] {
  if (max <= 0) return [0, 1];
  const rough = max / 4;
  const power = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * power).find((s) => s >= rough)!;
  return [0, 1, 2, 3, 4].map((i) => Math.round(i * step * 1000) / 1000);
}
