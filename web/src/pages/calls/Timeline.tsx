/** A call's deliveries from Bolna, oldest first: where each came from and what the merge made of it. */
import type { WebhookEvent } from '../../api/client';
import { CALL_STATUSES, type CallStatus } from '../../../../common/call-status.js';
import { Badge } from '../../components/ui';
import { formatClock, formatFull, humanize } from '../../lib/format';
import { STATUS_LABEL, type Tone } from '../../lib/status';

const VERDICT: Record<WebhookEvent['verdict'], { label: string; tone: Tone; hint: string }> = {
  applied: { label: 'Applied', tone: 'success', hint: 'This delivery changed the call.' },
  duplicate: {
    label: 'Duplicate',
    tone: 'muted',
    hint: 'The same snapshot arrived before; nothing changed.',
  },
  stale: {
    label: 'Stale',
    tone: 'warning',
    hint: 'Older than what the call already knew; kept for the record, changed nothing.',
  },
  orphan: {
    label: 'Waiting',
    tone: 'info',
    hint: 'Arrived before the call was known; applied once it appears.',
  },
  rejected: { label: 'Rejected', tone: 'danger', hint: 'Not a Bolna execution; stored, never applied.' },
  failed: { label: 'Failed', tone: 'danger', hint: 'Merging failed; it is retried automatically.' },
  pending: { label: 'Pending', tone: 'neutral', hint: 'Stored, not merged yet.' },
};

const SOURCE_LABEL: Record<WebhookEvent['source'], string> = {
  webhook: 'Webhook',
  poll: 'Poll',
  sync: 'Sync',
  replay: 'Replay',
};

function statusText(status: string | null): string {
  if (!status) return 'No status';
  const normalized = status.replace(/-/g, '_') as CallStatus;
  return (CALL_STATUSES as readonly string[]).includes(normalized) ? STATUS_LABEL[normalized] : status;
}

export function Timeline({ events }: { events: WebhookEvent[] }) {
  if (events.length === 0) {
    return (
      <p className="muted pad">No delivery from Bolna yet. Webhooks and polls appear here as they arrive.</p>
    );
  }
  return (
    <ol className="timeline">
      {events.map((event) => {
        const verdict = VERDICT[event.verdict];
        return (
          <li key={event.id} className={`timeline-item timeline-${event.verdict}`}>
            <span className={`timeline-dot tone-${verdict.tone}`} aria-hidden="true" />
            <div className="timeline-body">
              <div className="timeline-head">
                <strong>{statusText(event.status)}</strong>
                <time
                  className="muted tabular"
                  dateTime={event.receivedAt}
                  title={formatFull(event.receivedAt)}
                >
                  {formatClock(event.receivedAt)}
                </time>
              </div>
              <div className="timeline-meta">
                <Badge tone="neutral">{SOURCE_LABEL[event.source]}</Badge>
                <Badge tone={verdict.tone} title={verdict.hint}>
                  {verdict.label}
                </Badge>
                {event.changedFields.length > 0 && (
                  <span className="muted small">
                    changed {event.changedFields.map(humanize).join(', ').toLowerCase()}
                  </span>
                )}
              </div>
              {event.verdict !== 'applied' && <p className="small muted">{verdict.hint}</p>}
              {event.error && <p className="small text-danger">{event.error}</p>}
            </div>
          </li>
        );
      })}
    </ol>
  );
}
