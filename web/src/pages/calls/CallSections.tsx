/** The parts of a call's page: facts, transcript turns, recording, summary, cost breakdown. */
import type { ReactNode } from 'react';
import type { Call } from '../../api/client';
import { Icon } from '../../components/Icon';
import { formatCost, humanize } from '../../lib/format';
import { isTerminalStatus } from '../../lib/status';
import { parseTranscript } from '../../lib/transcript';

export function Stat({ label, value }: { label: string; value: ReactNode }) {
  return (
    <div className="stat">
      <div className="stat-label">{label}</div>
      <div className="stat-value">{value}</div>
    </div>
  );
}

export function Fact({ term, value, hint }: { term: string; value: ReactNode; hint?: string }) {
  return (
    <div className="fact" title={hint}>
      <dt>{term}</dt>
      <dd>{value}</dd>
    </div>
  );
}

export function Transcript({ call }: { call: Call }) {
  const turns = parseTranscript(call.transcription);
  if (turns.length === 0) {
    return (
      <p className="muted pad">
        {isTerminalStatus(call.status)
          ? 'No transcript for this call: nobody spoke, or Bolna did not send one.'
          : 'The transcript appears when the conversation ends and Bolna has processed it.'}
      </p>
    );
  }
  return (
    <ol className="transcript" aria-label="Transcript" tabIndex={0}>
      {turns.map((turn, i) => (
        <li key={i} className={`turn turn-${turn.speaker}`}>
          <span className="turn-speaker">
            {turn.speaker === 'agent' ? 'Agent' : turn.speaker === 'caller' ? 'Caller' : turn.label || 'Note'}
          </span>
          <p className="turn-text">{turn.text}</p>
        </li>
      ))}
    </ol>
  );
}

export function Recording({ call }: { call: Call }) {
  if (!call.recordingUrl) {
    return (
      <p className="muted pad">
        {isTerminalStatus(call.status)
          ? 'No recording for this call.'
          : 'The recording appears once Bolna has finished processing the call.'}
      </p>
    );
  }
  return (
    <div className="recording">
      <audio controls preload="metadata" src={call.recordingUrl} aria-label="Call recording">
        <a href={call.recordingUrl}>Download the recording</a>
      </audio>
      <a className="btn btn-sm" href={call.recordingUrl} target="_blank" rel="noreferrer">
        <Icon name="arrowUpRight" />
        Open
      </a>
    </div>
  );
}

export function Summary({ call }: { call: Call }) {
  const entries = Object.entries(call.extractedData ?? {});
  if (!call.summary && entries.length === 0) {
    return (
      <p className="muted pad">
        {isTerminalStatus(call.status)
          ? 'Bolna sent no summary for this call.'
          : 'Summary and extracted data arrive after the call.'}
      </p>
    );
  }
  return (
    <div className="summary">
      {call.summary && <p className="summary-text">{call.summary}</p>}
      {entries.length > 0 && (
        <dl className="facts facts-inline">
          {entries.map(([key, value]) => (
            <Fact key={key} term={humanize(key)} value={factValue(value)} />
          ))}
        </dl>
      )}
    </div>
  );
}

function factValue(value: unknown): ReactNode {
  if (typeof value === 'string') return value || '—';
  if (typeof value === 'boolean') return value ? 'Yes' : 'No';
  if (typeof value === 'number') return <span className="tabular">{value}</span>;
  if (value == null) return '—';
  return <code>{JSON.stringify(value)}</code>;
}

const COST_LABEL: Record<string, string> = {
  llm: 'LLM',
  network: 'Telephony network',
  platform: 'Bolna platform',
  synthesizer: 'Voice synthesis',
  transcriber: 'Transcription',
};

export function CostBreakdown({ call }: { call: Call }) {
  if (call.totalCostCents == null) {
    return <p className="muted pad">Pending: Bolna reports the cost when the call is complete.</p>;
  }
  const parts = Object.entries(call.costBreakdown ?? {}).filter(([, v]) => typeof v === 'number');
  return (
    <table className="table table-compact">
      <tbody>
        {parts.map(([key, cents]) => (
          <tr key={key}>
            <th scope="row">{COST_LABEL[key] ?? humanize(key)}</th>
            <td className="num">{formatCost(cents)}</td>
          </tr>
        ))}
      </tbody>
      <tfoot>
        <tr>
          <th scope="row">Total</th>
          <td className="num strong">{formatCost(call.totalCostCents)}</td>
        </tr>
      </tfoot>
    </table>
  );
}
