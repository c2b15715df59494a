import type { CallPlan } from './call-plan.js';

/**
 * One simulated execution (= one call) and the Bolna-shaped objects built from it. The body is always
 * derived from the record's current status, so GET /executions/{id} and every webhook are consistent
 * snapshots, with fields filling late the way Bolna's do.
 */

/** Bolna's terminal statuses (hyphenated). */
export const TERMINAL = new Set([
  'completed',
  'busy',
  'no-answer',
  'failed',
  'error',
  'balance-low',
  'canceled',
  'stopped',
]);

/** The simulator's state for one execution. */
export interface ExecutionRecord {
  sequence: number;
  id: string;
  agentId: string;
  /** API key that created the call: executions are visible to their account only. */
  ownerKey: string;
  plan: CallPlan;
  recipient: string;
  fromNumber: string;
  userData: Record<string, unknown> | null;
  scheduledAt: string | null;
  /** Bolna status now (hyphenated). */
  status: string;
  /** Every status reached, in order. */
  history: string[];
  createdAtMs: number;
  createdAt: string;
  updatedAt: string;
  initiatedAt: string | null;
  /** Webhook URL of the agent when the call was placed (used if the agent is deleted meanwhile). */
  webhookUrl: string | null;
  /** The next lifecycle step's timer. */
  timer: NodeJS.Timeout | null;
}

let microCounter = 0;

/**
 * Formats an instant like real Bolna payloads: naive ISO with microseconds and no zone, in UTC
 * (`2026-01-28T13:17:50.116924`).
 */
export function naiveTimestamp(date: Date): string {
  microCounter = (microCounter + 337) % 1000;
  return `${date.toISOString().slice(0, 23)}${String(microCounter).padStart(3, '0')}`;
}

/** The full execution object (GET /executions/{id} and webhook body) for the record's current status. */
export function executionBody(rec: ExecutionRecord, publicUrl: string): Record<string, unknown> {
  const { plan } = rec;
  const status = rec.status;
  const finished = TERMINAL.has(status);
  const reachedPlan = finished && status === plan.finalStatus;
  const disconnected = status === 'call-disconnected' || reachedPlan;
  const dialled = rec.initiatedAt !== null;
  const transcriptNow = reachedPlan || (status === 'call-disconnected' && plan.transcriptAtDisconnect);
  const talked = plan.conversationSeconds > 0;
  let recordingUrl: string | null = null;
  if (reachedPlan && plan.hasRecording) recordingUrl = `${publicUrl}/recordings/${rec.id}.wav`;
  else if (disconnected && talked) recordingUrl = '';

  return {
    id: rec.id,
    agent_id: rec.agentId,
    batch_id: null,
    status,
    smart_status: null,
    error_message: reachedPlan ? plan.errorMessage : null,
    answered_by_voice_mail: reachedPlan && dialled ? false : null,
    conversation_duration: reachedPlan ? plan.conversationSeconds : 0,
    total_cost: reachedPlan ? plan.totalCost : 0,
    cost_breakdown: reachedPlan
      ? { ...plan.costBreakdown }
      : { llm: 0, network: 0, platform: 0, synthesizer: 0, transcriber: 0 },
    usage_breakdown: reachedPlan ? plan.usageBreakdown : null,
    transcript: transcriptNow ? plan.transcript : null,
    summary: reachedPlan ? plan.summary : null,
    extracted_data: reachedPlan ? plan.extractedData : null,
    created_at: rec.createdAt,
    updated_at: rec.updatedAt,
    initiated_at: rec.initiatedAt,
    scheduled_at: rec.scheduledAt,
    user_number: rec.recipient,
    agent_number: rec.fromNumber,
    context_details: {
      recipient_data: rec.userData,
      recipient_phone_number: rec.recipient,
    },
    telephony_data: dialled
      ? {
          duration: reachedPlan ? String(Math.ceil(plan.conversationSeconds)) : null,
          to_number: rec.recipient,
          from_number: rec.fromNumber,
          recording_url: recordingUrl,
          provider_call_id: plan.telephonyCallId,
          call_type: 'outbound',
          provider: 'plivo',
          hangup_by: disconnected ? (plan.hangup?.by ?? null) : null,
          hangup_reason: disconnected ? (plan.hangup?.reason ?? null) : null,
          hangup_provider_code: disconnected ? (plan.hangup?.code ?? null) : null,
          ring_duration: rec.history.includes('in-progress') || reachedPlan ? plan.ringSeconds : null,
          post_dial_delay: rec.history.includes('ringing') ? plan.postDialDelay : null,
        }
      : null,
    latency_data: null,
    transfer_call_data: null,
    batch_run_details: null,
  };
}

/** The trimmed item of GET /v2/agent/{id}/executions: fetch by id for the rest, like Bolna. */
export function executionListItem(rec: ExecutionRecord): Record<string, unknown> {
  const reachedPlan = rec.status === rec.plan.finalStatus;
  return {
    id: rec.id,
    status: rec.status,
    conversation_duration: reachedPlan ? rec.plan.conversationSeconds : 0,
    created_at: rec.createdAt,
    telephony_data:
      rec.initiatedAt === null
        ? null
        : {
            duration: reachedPlan ? String(Math.ceil(rec.plan.conversationSeconds)) : null,
            to_number: rec.recipient,
            from_number: rec.fromNumber,
            call_type: 'outbound',
          },
  };
}
