/**
 * One call: what happened (status, times, hang-up), what was said (transcript, recording, summary,
 * extracted data), what it cost, and every delivery from Bolna that made it so. Live while it runs.
 */
import { useMutation, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { api, ApiError, type Call } from '../../api/client';
import { useAgentNames } from '../../api/hooks';
import { keys } from '../../api/keys';
import { ConfirmDialog } from '../../components/Dialog';
import { Icon } from '../../components/Icon';
import { useToast } from '../../components/Toasts';
import { Card, EmptyState, ErrorNote, Loading, PageHeader, StatusBadge } from '../../components/ui';
import { formatClock, formatCost, formatDuration, formatFull, formatPhone } from '../../lib/format';
import { STATUS_HINT, isStuck, isTerminalStatus } from '../../lib/status';
import { useOrg } from '../../session';
import { EndedReason } from './CallsTable';
import { CostBreakdown, Fact, Recording, Stat, Summary, Transcript } from './CallSections';
import { Timeline } from './Timeline';

export function CallDetailPage() {
  const { callId = '' } = useParams();
  const { org, can } = useOrg();
  const agentNames = useAgentNames(org.id);
  const [deleting, setDeleting] = useState(false);
  const call = useQuery({
    queryKey: keys.call(org.id, callId),
    queryFn: () => api.calls.get(org.id, callId),
    retry: (count, err) => !(err instanceof ApiError && err.status < 500) && count < 2,
  });
  const events = useQuery({
    queryKey: keys.callEvents(org.id, callId),
    queryFn: async () => (await api.calls.events(org.id, callId)).data,
    enabled: call.isSuccess,
  });

  const back = (
    <Link to="/calls" className="back-link">
      <Icon name="chevronLeft" />
      Calls
    </Link>
  );

  if (call.isPending) return <Loading label="Loading the call…" />;
  if (call.isError) {
    const notFound =
      call.error instanceof ApiError && (call.error.status === 404 || call.error.status === 400);
    return (
      <div className="page">
        <PageHeader title={notFound ? 'Call not found' : 'Call'} back={back} />
        {notFound ? (
          <EmptyState
            icon="search"
            title="Call not found"
            action={
              <Link className="btn" to="/calls">
                Back to calls
              </Link>
            }
          >
            There is no such call in {org.name}. It may have been deleted, or it belongs to another
            organization: switch organization in the sidebar if you are a member there.
          </EmptyState>
        ) : (
          <ErrorNote error={call.error} title="The call could not be loaded." />
        )}
      </div>
    );
  }

  const c = call.data;
  const live = !isTerminalStatus(c.status);
  const agentName = c.agentId ? agentNames.get(c.agentId) : undefined;
  const latestPayload = [...(events.data ?? [])].reverse().find((e) => e.payload);

  return (
    <div className="page">
      <PageHeader
        back={back}
        title={
          <span className="title-with-badge">
            <span className="tabular">
              {formatPhone(c.direction === 'inbound' ? c.fromNumber : c.toNumber)}
            </span>
            <StatusBadge status={c.status} />
          </span>
        }
        description={
          <>
            {c.direction === 'inbound' ? 'Inbound call' : 'Outbound call'}
            {agentName ? ` by ${agentName}` : ''} · {formatFull(c.createdAt)}
            {live && <span className="live-tag"> · live</span>}
          </>
        }
        actions={
          can('admin') && (
            <button className="btn" onClick={() => setDeleting(true)}>
              <Icon name="trash" />
              Delete
            </button>
          )
        }
      />
      {isStuck(c) && (
        <div className="note note-warning" role="status">
          <Icon name="alert" />
          <div>
            This call has had no final status for over an hour. The platform keeps asking Bolna and marks it
            failed with a reason if Bolna cannot say.
          </div>
        </div>
      )}
      <div className="stat-strip">
        <Stat label="Duration" value={formatDuration(c.duration)} />
        <Stat label="Cost" value={c.totalCostCents == null ? 'pending' : formatCost(c.totalCostCents)} />
        <Stat
          label="Answered"
          value={c.startedAt ? <time title={formatFull(c.startedAt)}>{formatClock(c.startedAt)}</time> : '—'}
        />
        <Stat
          label="Ended"
          value={c.endedAt ? <time title={formatFull(c.endedAt)}>{formatClock(c.endedAt)}</time> : '—'}
        />
        <Stat label="Ended reason" value={<EndedReason call={c} />} />
      </div>
      <div className="detail-grid">
        <div className="detail-main">
          <Card title="Recording" id="recording">
            <Recording call={c} />
          </Card>
          <Card title="Transcript" id="transcript">
            <Transcript call={c} />
          </Card>
          <Card title="Summary and extracted data" id="summary">
            <Summary call={c} />
          </Card>
        </div>
        <div className="detail-side">
          <Card
            title="Status timeline"
            id="timeline"
            actions={events.isFetching ? <span className="muted small">updating…</span> : undefined}
          >
            {events.isPending ? (
              <Loading />
            ) : events.isError ? (
              <ErrorNote error={events.error} />
            ) : (
              <Timeline events={events.data} />
            )}
          </Card>
          <Card title="Cost breakdown" id="cost">
            <CostBreakdown call={c} />
          </Card>
          <Card title="Details" id="details">
            <dl className="facts">
              <Fact term="Status" value={<StatusBadge status={c.status} />} hint={STATUS_HINT[c.status]} />
              <Fact term="To" value={<span className="tabular">{formatPhone(c.toNumber)}</span>} />
              <Fact term="From" value={<span className="tabular">{formatPhone(c.fromNumber)}</span>} />
              <Fact term="Agent" value={agentName ?? (c.agentId ? 'Deleted agent' : '—')} />
              <Fact term="Hung up by" value={c.hangupBy ?? '—'} />
              <Fact term="Hang-up reason" value={c.hangupReason ?? '—'} />
              {c.errorMessage && (
                <Fact term="Error" value={<span className="text-danger">{c.errorMessage}</span>} />
              )}
              <Fact
                term="Bolna execution"
                value={<span className="mono small break">{c.providerCallId ?? '—'}</span>}
              />
              <Fact term="Version" value={<span className="tabular">{c.version}</span>} />
            </dl>
          </Card>
          <Card title="Raw payload" id="raw">
            {latestPayload ? (
              <details className="raw">
                <summary>
                  Latest delivery ({latestPayload.source}, {formatFull(latestPayload.receivedAt)})
                </summary>
                <pre className="code">{JSON.stringify(latestPayload.payload, null, 2)}</pre>
              </details>
            ) : (
              <p className="muted pad">Nothing received from Bolna yet.</p>
            )}
          </Card>
        </div>
      </div>
      {deleting && <DeleteDialog call={c} onClose={() => setDeleting(false)} />}
    </div>
  );
}

function DeleteDialog({ call, onClose }: { call: Call; onClose: () => void }) {
  const { org } = useOrg();
  const navigate = useNavigate();
  const toast = useToast();
  const remove = useMutation({
    mutationFn: () => api.calls.remove(org.id, call.id),
    onSuccess: () => {
      toast('Call deleted from the history');
      navigate('/calls', { replace: true });
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
      The call to <strong>{formatPhone(call.toNumber)}</strong> will be removed from the history with its
      transcript and timeline. This cannot be undone.
    </ConfirmDialog>
  );
}
