/**
 * The organization at a glance: the numbers of a period (7, 30 or 90 days, one agent or all), calls
 * per day, how long conversations last, what they cost, and the latest calls. Live: the server pushes
 * the default period's numbers; other periods refetch when calls change.
 */
import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Link } from 'react-router';
import { api, type OrgMetrics } from '../../api/client';
import { useAgentNames, useAgents } from '../../api/hooks';
import { keys, type MetricsRange } from '../../api/keys';
import { Icon } from '../../components/Icon';
import { useNewCall } from '../../components/Shell';
import { Card, EmptyState, ErrorNote, Loading, PageHeader } from '../../components/ui';
import { formatCost, formatDuration, formatInt, formatPercent } from '../../lib/format';
import { useMetricsWatch } from '../../realtime/socket';
import { useOrg } from '../../session';
import { CallsTable } from '../calls/CallsTable';
import { CallsPerDayChart, CostPerDayChart, DurationChart } from './charts';

const PERIODS = [7, 30, 90] as const;
/** Calls read for the duration and cost charts (the newest of the period). */
const SAMPLE_SIZE = 200;

/** The API range of the last `days` UTC days including today; 30 days is the API's default (and the pushed one). */
function apiRange(range: MetricsRange): { from?: string; to?: string; agentId?: string } {
  if (range.days === 30) return { agentId: range.agentId };
  const today = new Date();
  const midnight = Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate());
  const from = new Date(midnight - (range.days - 1) * 86_400_000).toISOString().slice(0, 10);
  const to = new Date(midnight + 86_400_000).toISOString().slice(0, 10);
  return { from, to, agentId: range.agentId };
}

export function DashboardPage() {
  const { org, can } = useOrg();
  useMetricsWatch(org.id);
  const newCall = useNewCall();
  const agents = useAgents(org.id);
  const agentNames = useAgentNames(org.id);
  const [days, setDays] = useState<(typeof PERIODS)[number]>(30);
  const [agentId, setAgentId] = useState('');
  const range: MetricsRange = { days, ...(agentId ? { agentId } : {}) };

  const metrics = useQuery({
    queryKey: keys.metrics(org.id, range),
    queryFn: () => api.metrics.get(org.id, apiRange(range)),
    placeholderData: (previous) => previous,
    staleTime: 30_000,
  });
  const sample = useQuery({
    queryKey: keys.sample(org.id, range),
    enabled: metrics.isSuccess,
    queryFn: async () => {
      const from = metrics.data!.from;
      return (await api.calls.list(org.id, { from, ...(agentId ? { agentId } : {}) }, undefined, SAMPLE_SIZE))
        .data;
    },
    placeholderData: (previous) => previous,
    staleTime: 30_000,
  });
  const recent = useInfiniteQuery({
    queryKey: keys.calls(org.id, {}),
    queryFn: ({ pageParam }) => api.calls.list(org.id, {}, pageParam, 50),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    staleTime: 60_000,
  });
  const recentCalls = recent.data?.pages[0]?.data.slice(0, 6) ?? [];

  return (
    <div className="page">
      <PageHeader
        title="Dashboard"
        description={`${org.name} · the last ${days} days${agentId ? ` · ${agentNames.get(agentId) ?? 'one agent'}` : ''}`}
        actions={
          <>
            <div className="segmented" role="group" aria-label="Period">
              {PERIODS.map((p) => (
                <button key={p} type="button" aria-pressed={days === p} onClick={() => setDays(p)}>
                  {p} days
                </button>
              ))}
            </div>
            <label>
              <span className="visually-hidden">Agent</span>
              <select className="input" value={agentId} onChange={(e) => setAgentId(e.target.value)}>
                <option value="">All agents</option>
                {(agents.data ?? []).map((a) => (
                  <option key={a.id} value={a.id}>
                    {a.name}
                  </option>
                ))}
              </select>
            </label>
            {can('member') && (
              <button className="btn btn-primary" onClick={() => newCall()}>
                <Icon name="plus" />
                New call
              </button>
            )}
          </>
        }
      />
      {metrics.isPending ? (
        <Loading label="Loading numbers…" />
      ) : metrics.isError ? (
        <ErrorNote error={metrics.error} title="The numbers could not be loaded." />
      ) : (
        <>
          <MetricCards metrics={metrics.data} />
          {metrics.data.totalCalls === 0 && metrics.data.activeCalls === 0 ? (
            <EmptyState
              icon="dashboard"
              title="No calls in this period"
              action={
                can('member') && (
                  <Link className="btn btn-primary" to={agents.data?.length ? '/calls' : '/agents?new=1'}>
                    {agents.data?.length ? 'Go to calls' : 'Create an agent'}
                  </Link>
                )
              }
            >
              {agents.data?.length
                ? 'Start a call and watch these numbers move as it rings, connects and ends.'
                : 'Create an agent, start a call with it, and these numbers fill in live.'}
            </EmptyState>
          ) : (
            <div className="charts">
              <Card
                title="Calls per day"
                className="chart-card chart-wide"
                actions={<span className="muted small">by outcome, UTC days</span>}
              >
                <div className="chart chart-tall">
                  <CallsPerDayChart metrics={metrics.data} />
                </div>
              </Card>
              <Card
                title="Conversation length"
                className="chart-card"
                actions={<SampleNote count={sample.data?.length} />}
              >
                <div className="chart">
                  {sample.data ? <DurationChart calls={sample.data} /> : <Loading />}
                </div>
              </Card>
              <Card
                title="Cost per day"
                className="chart-card"
                actions={<SampleNote count={sample.data?.length} />}
              >
                <div className="chart">
                  {sample.data ? <CostPerDayChart metrics={metrics.data} calls={sample.data} /> : <Loading />}
                </div>
              </Card>
            </div>
          )}
        </>
      )}
      {recentCalls.length > 0 && (
        <Card
          title="Latest calls"
          className="card-flush"
          actions={
            <Link to="/calls" className="link-quiet">
              All calls <Icon name="chevronRight" />
            </Link>
          }
        >
          <CallsTable calls={recentCalls} agentNames={agentNames} compact />
        </Card>
      )}
    </div>
  );
}

function SampleNote({ count }: { count?: number }) {
  if (count === undefined) return null;
  return (
    <span className="muted small">
      {count >= SAMPLE_SIZE ? `latest ${SAMPLE_SIZE} calls` : `${count} calls`}
    </span>
  );
}

function MetricCards({ metrics }: { metrics: OrgMetrics }) {
  const minutes = metrics.totalDurationSec / 60;
  return (
    <div className="metrics" aria-live="polite">
      <Metric
        label="Calls"
        value={formatInt(metrics.totalCalls)}
        detail={`${formatInt(metrics.finishedCalls)} finished`}
      />
      <Metric
        label="Active now"
        value={formatInt(metrics.activeCalls)}
        detail={metrics.activeCalls ? 'ringing or talking' : 'no live calls'}
        live={metrics.activeCalls > 0}
      />
      <Metric
        label="Answer rate"
        value={metrics.finishedCalls ? formatPercent(metrics.successRate) : '—'}
        detail={`${formatInt(metrics.answeredCalls)} answered`}
      />
      <Metric
        label="Avg. duration"
        value={metrics.answeredCalls ? formatDuration(metrics.avgDurationSec) : '—'}
        detail="per answered call"
      />
      <Metric label="Minutes" value={formatInt(Math.round(minutes))} detail="of conversation" />
      <Metric label="Cost" value={formatCost(metrics.totalCostCents)} detail="reported by Bolna" />
    </div>
  );
}

function Metric({
  label,
  value,
  detail,
  live,
}: {
  label: string;
  value: string;
  detail: string;
  live?: boolean;
}) {
  return (
    <div className="metric">
      <div className="metric-label">
        {live && <span className="dot dot-live dot-pulse" aria-hidden="true" />}
        {label}
      </div>
      <div className="metric-value">{value}</div>
      <div className="metric-detail">{detail}</div>
    </div>
  );
}
