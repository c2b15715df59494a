/**
 * The call history: filters in the URL, keyset pages ("Load more" follows the API's cursor, so the
 * thousandth page costs what the first does), rows that appear and change live.
 */
import { useInfiniteQuery, useMutation, useQueryClient } from '@tanstack/react-query';
import { useEffect, useMemo, useRef, useState } from 'react';
import { useSearchParams } from 'react-router';
import { api, type Call } from '../../api/client';
import { useAgentNames, useAgents } from '../../api/hooks';
import { keys } from '../../api/keys';
import { ConfirmDialog } from '../../components/Dialog';
import { Icon } from '../../components/Icon';
import { useNewCall } from '../../components/Shell';
import { useToast } from '../../components/Toasts';
import { EmptyState, ErrorNote, Loading, PageHeader } from '../../components/ui';
import { matchesFilters, removeCall, type CallPages } from '../../lib/call-cache';
import { formatInt, formatPhone, formatWhen } from '../../lib/format';
import { useOrg } from '../../session';
import { CallsTable } from './CallsTable';
import { hasFilters, readFilterParams, STATUS_CHOICES, toCallFilters, type FilterParams } from './filters';

const PAGE_SIZE = 50;
/** While searching by number, pages are loaded on their own until this many match (or this many pages). */
const SEARCH_MIN_MATCHES = 20;
const SEARCH_MAX_AUTO_PAGES = 10;

export function CallsPage() {
  const { org, can } = useOrg();
  const [params, setParams] = useSearchParams();
  const filterParams = readFilterParams(params);
  const filters = useMemo(() => toCallFilters(readFilterParams(params)), [params]);
  const agentNames = useAgentNames(org.id);
  const newCall = useNewCall();
  const [deleting, setDeleting] = useState<Call | null>(null);

  const history = useInfiniteQuery({
    queryKey: keys.calls(org.id, filters),
    queryFn: ({ pageParam }) => api.calls.list(org.id, filters, pageParam, PAGE_SIZE),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    staleTime: 60_000,
  });

  const loaded = useMemo(() => history.data?.pages.flatMap((p) => p.data) ?? [], [history.data]);
  // The API does not match numbers yet: loaded rows are filtered here (see api.calls.list).
  const rows = useMemo(
    () => (filters.number ? loaded.filter((c) => matchesFilters(c, filters)) : loaded),
    [loaded, filters],
  );
  const pagesLoaded = history.data?.pages.length ?? 0;

  useEffect(() => {
    if (!filters.number || !history.hasNextPage || history.isFetchingNextPage) return;
    if (rows.length < SEARCH_MIN_MATCHES && pagesLoaded < SEARCH_MAX_AUTO_PAGES) void history.fetchNextPage();
  }, [filters.number, rows.length, pagesLoaded, history]);

  function update(patch: Partial<FilterParams>) {
    const next = { ...filterParams, ...patch };
    const search = new URLSearchParams();
    for (const [k, v] of Object.entries(next)) if (v) search.set(k, v);
    setParams(search, { replace: true });
  }

  return (
    <div className="page">
      <PageHeader
        title="Calls"
        description={`Every call of ${org.name}, updated as it happens.`}
        actions={
          can('member') && (
            <button type="button" className="btn btn-primary" onClick={() => newCall()}>
              <Icon name="plus" />
              New call
            </button>
          )
        }
      />
      <Filters value={filterParams} onChange={update} />
      {history.isPending ? (
        <Loading label="Loading calls…" />
      ) : history.isError ? (
        <ErrorNote error={history.error} title="The calls could not be loaded." />
      ) : rows.length === 0 && !history.hasNextPage ? (
        hasFilters(filterParams) ? (
          <EmptyState
            icon="search"
            title="No calls match these filters"
            action={
              <button className="btn" onClick={() => setParams({}, { replace: true })}>
                Clear filters
              </button>
            }
          >
            Try a wider date range or another status.
          </EmptyState>
        ) : (
          <EmptyState
            icon="phone"
            title="No calls yet"
            action={
              can('member') && (
                <button className="btn btn-primary" onClick={() => newCall()}>
                  <Icon name="plus" />
                  Start your first call
                </button>
              )
            }
          >
            Calls you start here, and calls Bolna reports for your agents, show up in this list the moment
            they begin, and update live until they end.
          </EmptyState>
        )
      ) : (
        <div className="card card-flush">
          <CallsTable
            calls={rows}
            agentNames={agentNames}
            onDelete={can('admin') ? setDeleting : undefined}
          />
          <div className="table-footer">
            <span className="muted" aria-live="polite">
              {filters.number
                ? `${formatInt(rows.length)} matching of ${formatInt(loaded.length)} most recent calls searched`
                : `Showing ${formatInt(rows.length)} ${rows.length === 1 ? 'call' : 'calls'}`}
              {history.hasNextPage ? '' : ' · end of history'}
            </span>
            {history.hasNextPage && (
              <button
                className="btn"
                onClick={() => void history.fetchNextPage()}
                disabled={history.isFetchingNextPage}
              >
                {history.isFetchingNextPage
                  ? 'Loading…'
                  : filters.number
                    ? 'Search older calls'
                    : 'Load more'}
              </button>
            )}
          </div>
        </div>
      )}
      {deleting && <DeleteCallDialog call={deleting} onClose={() => setDeleting(null)} />}
    </div>
  );
}

function Filters({
  value,
  onChange,
}: {
  value: FilterParams;
  onChange: (patch: Partial<FilterParams>) => void;
}) {
  const { org } = useOrg();
  const agents = useAgents(org.id);
  const [q, setQ] = useState(value.q);
  const latest = useRef({ onChange, applied: value.q });
  latest.current = { onChange, applied: value.q };
  useEffect(() => setQ(value.q), [value.q]);
  useEffect(() => {
    if (q === latest.current.applied) return;
    const timer = setTimeout(() => latest.current.onChange({ q }), 300);
    return () => clearTimeout(timer);
  }, [q]);

  return (
    <div className="filters" role="search" aria-label="Filter calls">
      <div className="search">
        <Icon name="search" />
        <label htmlFor="call-search" className="visually-hidden">
          Search by phone number
        </label>
        <input
          id="call-search"
          className="input"
          type="search"
          inputMode="tel"
          placeholder="Search number"
          value={q}
          onChange={(e) => setQ(e.target.value)}
        />
      </div>
      <label className="filter">
        <span className="visually-hidden">Status</span>
        <select className="input" value={value.status} onChange={(e) => onChange({ status: e.target.value })}>
          <option value="">All statuses</option>
          {STATUS_CHOICES.map((c) => (
            <option key={c.value} value={c.value}>
              {c.label}
            </option>
          ))}
        </select>
      </label>
      <label className="filter">
        <span className="visually-hidden">Agent</span>
        <select className="input" value={value.agent} onChange={(e) => onChange({ agent: e.target.value })}>
          <option value="">All agents</option>
          {(agents.data ?? []).map((a) => (
            <option key={a.id} value={a.id}>
              {a.name}
            </option>
          ))}
        </select>
      </label>
      <div className="filter date-range">
        <label>
          <span className="visually-hidden">From date</span>
          <input
            className="input"
            type="date"
            value={value.from}
            max={value.to || undefined}
            onChange={(e) => onChange({ from: e.target.value })}
          />
        </label>
        <span className="muted" aria-hidden="true">
          –
        </span>
        <label>
          <span className="visually-hidden">To date</span>
          <input
            className="input"
            type="date"
            value={value.to}
            min={value.from || undefined}
            onChange={(e) => onChange({ to: e.target.value })}
          />
        </label>
      </div>
      {hasFilters(value) && (
        <button
          type="button"
          className="btn btn-ghost"
          onClick={() => onChange({ status: '', agent: '', from: '', to: '', q: '' })}
        >
          Clear
        </button>
      )}
    </div>
  );
}

function DeleteCallDialog({ call, onClose }: { call: Call; onClose: () => void }) {
  const { org } = useOrg();
  const queryClient = useQueryClient();
  const toast = useToast();
  const remove = useMutation({
    mutationFn: () => api.calls.remove(org.id, call.id),
    onSuccess: () => {
      for (const q of queryClient.getQueryCache().findAll({ queryKey: keys.callLists(org.id) })) {
        queryClient.setQueryData<CallPages>(q.queryKey, (d) => removeCall(d, call.id));
      }
      toast('Call deleted from the history');
      onClose();
    },
  });
  return (
    <ConfirmDialog
      title="Delete this call?"
      confirmLabel="Delete call"
      onConfirm={() => remove.mutate()}
      onClose={onClose}
      pending={remove.isPending}
      error={<ErrorNote error={remove.error} />}
    >
      The call to <strong>{formatPhone(call.toNumber)}</strong> on {formatWhen(call.createdAt)} will be
      removed from the history with its transcript and timeline. Its cost stays on your Bolna bill. This
      cannot be undone.
    </ConfirmDialog>
  );
}
