/** The call history as a dense table (cards below 720 px): every row live, stuck calls flagged. */
import { useNavigate } from 'react-router';
import { Link } from 'react-router';
import type { Call } from '../../api/client';
import { Icon } from '../../components/Icon';
import { StatusBadge } from '../../components/ui';
import { formatAgo, formatCost, formatDuration, formatFull, formatPhone, formatWhen } from '../../lib/format';
import { isStuck } from '../../lib/status';

export function CallsTable({
  calls,
  agentNames,
  onDelete,
  compact,
}: {
  calls: Call[];
  agentNames: Map<string, string>;
  /** Present for admins: the row gets a delete button. */
  onDelete?: (call: Call) => void;
  /** Fewer columns (dashboard). */
  compact?: boolean;
}) {
  const navigate = useNavigate();
  const now = Date.now();
  return (
    <div className="table-wrap">
      <table className="table table-calls">
        <thead>
          <tr>
            <th scope="col">Time</th>
            <th scope="col">To / From</th>
            <th scope="col">Agent</th>
            <th scope="col">Status</th>
            <th scope="col" className="num">
              Duration
            </th>
            <th scope="col" className="num">
              Cost
            </th>
            {!compact && <th scope="col">Ended reason</th>}
            {onDelete && (
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            )}
          </tr>
        </thead>
        <tbody>
          {calls.map((call) => (
            <tr
              key={call.id}
              data-call-id={call.id}
              className={`row-link${now - Date.parse(call.createdAt) < 8_000 ? ' row-fresh' : ''}`}
              onClick={(e) => {
                if ((e.target as HTMLElement).closest('a,button')) return;
                navigate(`/calls/${call.id}`);
              }}
            >
              <td data-label="Time" className="nowrap">
                <time
                  dateTime={call.createdAt}
                  title={`${formatFull(call.createdAt)} (${formatAgo(call.createdAt)})`}
                >
                  {formatWhen(call.createdAt)}
                </time>
              </td>
              <td data-label="To / From">
                <div className="cell-number">
                  <Icon
                    name={call.direction === 'inbound' ? 'arrowDownLeft' : 'arrowUpRight'}
                    label={call.direction}
                  />
                  <div>
                    <Link to={`/calls/${call.id}`} className="strong">
                      {formatPhone(call.direction === 'inbound' ? call.fromNumber : call.toNumber)}
                    </Link>
                    <div className="sub">
                      {call.direction === 'inbound' ? 'to ' : 'from '}
                      {formatPhone(call.direction === 'inbound' ? call.toNumber : call.fromNumber)}
                    </div>
                  </div>
                </div>
              </td>
              <td data-label="Agent" className="truncate">
                {call.agentId ? (
                  (agentNames.get(call.agentId) ?? <span className="muted">Deleted agent</span>)
                ) : (
                  <span className="muted">—</span>
                )}
              </td>
              <td data-label="Status">
                <span className="cell-status">
                  <StatusBadge status={call.status} />
                  {isStuck(call, now) && <StuckMarker call={call} now={now} />}
                </span>
              </td>
              <td data-label="Duration" className="num">
                {call.duration != null ? formatDuration(call.duration) : <span className="muted">—</span>}
              </td>
              <td data-label="Cost" className="num">
                {call.totalCostCents != null ? (
                  formatCost(call.totalCostCents)
                ) : (
                  <span className="pending">pending</span>
                )}
              </td>
              {!compact && (
                <td data-label="Ended reason" className="truncate reason">
                  <EndedReason call={call} />
                </td>
              )}
              {onDelete && (
                <td className="actions">
                  <button
                    type="button"
                    className="btn btn-ghost btn-icon btn-sm"
                    onClick={() => onDelete(call)}
                    aria-label={`Delete call to ${formatPhone(call.toNumber)} at ${formatWhen(call.createdAt)}`}
                    title="Delete"
                  >
                    <Icon name="trash" />
                  </button>
                </td>
              )}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function EndedReason({ call }: { call: Call }) {
  if (call.errorMessage)
    return (
      <span className="text-danger" title={call.errorMessage}>
        {call.errorMessage}
      </span>
    );
  if (call.hangupReason) {
    const text = `${call.hangupReason}${call.hangupBy ? ` (${call.hangupBy})` : ''}`;
    return <span title={text}>{text}</span>;
  }
  return <span className="muted">—</span>;
}

function StuckMarker({ call, now }: { call: Call; now: number }) {
  const text = `No final status ${formatAgo(call.createdAt, now).replace(/ ago$/, '')} after it started. The platform keeps checking with Bolna and will mark it failed if Bolna cannot say.`;
  return (
    <span className="stuck tip" tabIndex={0} role="img" aria-label={text} data-tip={text}>
      <Icon name="alert" size={15} />
    </span>
  );
}
