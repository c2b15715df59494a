import { BolnaPayloadError } from './errors.js';
import { asRecord, firstPresent, readBoolean, readNumber, readString, readText } from './read.js';
import { isTerminalStatus, normaliseBolnaStatus, type CallStatus } from './status.js';
import { parseProviderTime } from './time.js';

export {
  CALL_STATUSES,
  STATUS_RANK,
  TERMINAL_STATUSES,
  isTerminalStatus,
  normaliseBolnaStatus,
  toBolnaStatus,
  type CallStatus,
} from './status.js';
export { formatBolnaTime, parseProviderTime } from './time.js';

/**
 * What one Bolna execution object says about a call, in our vocabulary. It is a snapshot, not a delta:
 * every field is null when Bolna did not (yet) report it, so the merge can tell "unknown" from a value.
 * Money is in cents exactly as Bolna reports it (fractions kept); durations are seconds (fractions kept).
 */
export interface ProviderCallSnapshot {
  /** Bolna's execution id (`id`, or `execution_id` in some payloads). */
  providerCallId: string;
  providerAgentId: string | null;
  batchId: string | null;
  /** Our status, or null when Bolna sent a status we do not know (see `rawStatus`). */
  status: CallStatus | null;
  /** Bolna's status exactly as sent. */
  rawStatus: string | null;
  /** Seconds: `conversation_duration ?? conversation_time ?? telephony_data.duration`. */
  duration: number | null;
  /** Cents, as Bolna reports them (`total_cost`); null when absent, never a made-up 0. */
  totalCostCents: number | null;
  /** Cents per component (`llm`, `network`, `platform`, `synthesizer`, `transcriber`, …). */
  costBreakdown: Record<string, number> | null;
  /** Plain text, one turn a line (`assistant: …\nuser: …\n`). */
  transcription: string | null;
  summary: string | null;
  extractedData: Record<string, unknown> | null;
  recordingUrl: string | null;
  hangupBy: string | null;
  hangupReason: string | null;
  hangupProviderCode: number | null;
  errorMessage: string | null;
  answeredByVoiceMail: boolean | null;
  direction: 'outbound' | 'inbound';
  toNumber: string | null;
  fromNumber: string | null;
  providerCreatedAt: Date | null;
  providerUpdatedAt: Date | null;
  initiatedAt: Date | null;
  /** The whole body as received: unknown fields are kept for later. */
  raw: Record<string, unknown>;
}

/**
 * Maps a Bolna execution object (a webhook body, GET /executions/{id}, or a trimmed list item) to a
 * `ProviderCallSnapshot`. Pure and total for any object with an id; throws `BolnaPayloadError` when the
 * payload is not an object or carries neither `id` nor `execution_id`, because such a body cannot be tied
 * to any call.
 */
export function mapExecution(raw: unknown): ProviderCallSnapshot {
  const body = asRecord(raw);
  if (!body) {
    throw new BolnaPayloadError('A Bolna execution must be a JSON object; this payload is not one.', {});
  }
  const providerCallId = readString(body.id) ?? readString(body.execution_id);
  if (!providerCallId) {
    throw new BolnaPayloadError(
      'This Bolna execution payload has neither "id" nor "execution_id", so it cannot be matched to a call.',
      {},
    );
  }
  const telephony = asRecord(body.telephony_data) ?? {};
  const context = asRecord(body.context_details) ?? {};
  const rawStatus = readString(body.status);
  const direction = readString(telephony.call_type)?.toLowerCase() === 'inbound' ? 'inbound' : 'outbound';
  const userNumber = readString(body.user_number);
  const agentNumber = readString(body.agent_number);
  const recipient = readString(context.recipient_phone_number);
  const hangupCode = readNumber(telephony.hangup_provider_code);
  const status = normaliseBolnaStatus(rawStatus);
  // Before a final status Bolna fills duration and cost with 0 as a placeholder: that 0 means
  // "not known yet", and must not reach users as a real zero. After it, 0 is real (a busy call).
  const known = (value: number | null) => (value === 0 && !isTerminalStatus(status) ? null : value);
  const costBreakdown = readCostBreakdown(body.cost_breakdown);

  return {
    providerCallId,
    providerAgentId: readString(body.agent_id),
    batchId: readString(body.batch_id),
    status,
    rawStatus,
    duration: known(
      firstPresent(
        readNumber(body.conversation_duration),
        readNumber(body.conversation_time),
        readNumber(telephony.duration),
      ),
    ),
    totalCostCents: known(readNumber(body.total_cost)),
    costBreakdown:
      costBreakdown && !isTerminalStatus(status) && Object.values(costBreakdown).every((c) => c === 0)
        ? null
        : costBreakdown,
    transcription: readText(body.transcript),
    summary: readText(body.summary),
    extractedData: readExtractedData(body.extracted_data),
    recordingUrl: readString(telephony.recording_url),
    hangupBy: readString(telephony.hangup_by),
    hangupReason: readString(telephony.hangup_reason),
    hangupProviderCode: hangupCode === null ? null : Math.trunc(hangupCode),
    errorMessage: readText(body.error_message),
    answeredByVoiceMail: readBoolean(body.answered_by_voice_mail),
    direction,
    toNumber:
      readString(telephony.to_number) ??
      (direction === 'inbound' ? agentNumber : firstPresent(recipient, userNumber)),
    fromNumber:
      readString(telephony.from_number) ??
      (direction === 'inbound' ? firstPresent(userNumber, recipient) : agentNumber),
    providerCreatedAt: parseProviderTime(body.created_at),
    providerUpdatedAt: parseProviderTime(body.updated_at),
    initiatedAt: parseProviderTime(body.initiated_at),
    raw: body,
  };
}

function readCostBreakdown(value: unknown): Record<string, number> | null {
  const record = asRecord(value);
  if (!record) return null;
  const out: Record<string, number> = {};
  for (const [key, part] of Object.entries(record)) {
    const cents = readNumber(part);
    if (cents !== null) out[key] = cents;
  }
  return Object.keys(out).length > 0 ? out : null;
}

function readExtractedData(value: unknown): Record<string, unknown> | null {
  const record = asRecord(value);
  if (record) return Object.keys(record).length > 0 ? record : null;
  if (typeof value === 'string' && value.trim().startsWith('{')) {
    try {
      return asRecord(JSON.parse(value));
    } catch {
      return null;
    }
  }
  return null;
}
