/**
 * Realistic Bolna webhook bodies for the ingest benchmark: the simulator's own execution object
 * (`simulator/execution.ts`), one full snapshot per status change, with fields filling late the way
 * Bolna's do (naive microsecond timestamps, string telephony duration, cost breakdown in cents, a
 * transcript at `completed` and sometimes already at `call-disconnected`).
 *
 * A template is one call's whole lifecycle rendered to JSON text once, with placeholders for the
 * execution id and the agent id, so the load generator only joins strings per request.
 */
import { planCall, type CallPlan } from '../../simulator/call-plan.js';
import { executionBody, naiveTimestamp, type ExecutionRecord } from '../../simulator/execution.js';
import { Rng } from '../../simulator/random.js';

/** The webhooks of an answered Bolna call, in the order Bolna sends them. */
export const LIFECYCLE = ['initiated', 'ringing', 'in-progress', 'call-disconnected', 'completed'] as const;

const EXEC = '@@EXECUTION_ID@@';
const AGENT = '@@AGENT_ID@@';
const SLOT = /(@@EXECUTION_ID@@|@@AGENT_ID@@)/;

/** One call's lifecycle: for each delivery, the body split around its placeholders. */
export interface CallTemplate {
  /** Per delivery: literal text and slots (`EXEC`/`AGENT`), alternating. */
  readonly deliveries: readonly (readonly string[])[];
  /** Body sizes in bytes (with a 36-character id in each slot). */
  readonly sizes: readonly number[];
}

/** Renders delivery `step` of `template` for one execution of one agent. */
export function renderDelivery(
  template: CallTemplate,
  step: number,
  executionId: string,
  agentId: string,
): string {
  const parts = template.deliveries[step]!;
  let out = '';
  for (const part of parts) out += part === EXEC ? executionId : part === AGENT ? agentId : part;
  return out;
}

const USER_LINES = [
  'Hi, yes, who is this?',
  'Sure, I have a couple of minutes.',
  'Can you tell me a bit more about the pricing?',
  'That sounds interesting, actually. What is included in the basic plan?',
  "I'm a little busy right now, could you call back tomorrow after lunch?",
  'What would the next steps be if I decide to go ahead?',
  'Okay, please send me the details on WhatsApp, this same number.',
  'Do you support Hindi as well? My parents would use it too.',
  'How long does the installation usually take?',
  'Is there any discount if I pay for the whole year upfront?',
  "No, I think that's all. Thank you.",
];
const ASSISTANT_LINES = [
  "Of course, I'll keep it brief.",
  'Great question. Plans start at a small monthly fee and you can cancel any time.',
  'I understand. Would a callback tomorrow at 11 am work for you?',
  "Perfect, I've noted that down and a specialist will confirm by message.",
  "I'll send the details right after this call, including the price list and the terms.",
  'Yes, we support Hindi, English and several other Indian languages.',
  'Installation usually takes one working day once the documents are verified.',
  'There is a two-month discount on annual plans, I can include that in the quote.',
  'Is there anything else I can help you with?',
];

/**
 * A transcript of `turns` exchanges, `assistant: …\nuser: …\n` like Bolna's: from a few hundred
 * bytes (a short call) to a few kilobytes (a long one).
 */
function transcript(rng: Rng, welcome: string, turns: number): string {
  const lines = [`assistant: ${welcome}`];
  for (let i = 0; i < turns; i += 1) {
    lines.push(`user: ${rng.pick(USER_LINES)}`, `assistant: ${rng.pick(ASSISTANT_LINES)}`);
  }
  lines.push('user: Thank you, bye.', 'assistant: Thank you for your time. Have a great day!');
  return `${lines.join('\n')}\n`;
}

const NAMES = ['Asha', 'Rahul', 'Priya', 'Vikram', 'Meera', 'Arjun', 'Kavya', 'Rohan'];

/**
 * `count` call templates drawn from `seed`: mostly answered calls with transcripts of 2 to 30
 * exchanges; about one in ten is a rejected call (`completed` with no conversation, a Bolna quirk)
 * whose last snapshot arrives twice. Every template has `LIFECYCLE.length` deliveries.
 */
export function buildCallTemplates(count: number, seed: number, start = new Date()): CallTemplate[] {
  const templates: CallTemplate[] = [];
  for (let sequence = 0; sequence < count; sequence += 1) {
    const rng = Rng.stream(seed, 'bench-template', sequence);
    const name = rng.pick(NAMES);
    const recipient = `+9198${String(rng.int(10_000_000, 99_999_999))}`;
    const plan: CallPlan = planCall({
      seed,
      sequence,
      outcomes: { completed: 0.9, rejected: 0.1 },
      welcomeMessage: `Hello {name}! This is Maya from Acme Broadband. Do you have a minute?`,
      recipient,
      userData: { name },
    });
    if (plan.transcript) {
      // Longer calls than the simulator's default (which caps at ~7 exchanges): 2 to 30 exchanges.
      const turns = rng.int(2, 30);
      plan.transcript = transcript(
        rng,
        `Hello ${name}! This is Maya from Acme Broadband. Do you have a minute?`,
        turns,
      );
      plan.conversationSeconds = Math.round(turns * rng.between(7, 12) * 1000) / 1000;
    }
    templates.push(lifecycleOf(plan, sequence, recipient, name, new Date(start.getTime() - sequence * 997)));
  }
  return templates;
}

function lifecycleOf(
  plan: CallPlan,
  sequence: number,
  recipient: string,
  name: string,
  t0: Date,
): CallTemplate {
  const at = (ms: number) => naiveTimestamp(new Date(t0.getTime() + ms));
  const rec: ExecutionRecord = {
    sequence,
    id: EXEC,
    agentId: AGENT,
    ownerKey: 'bench',
    plan,
    recipient,
    fromNumber: '+918035735900',
    userData: { name },
    scheduledAt: null,
    status: 'queued',
    history: ['queued'],
    createdAtMs: t0.getTime(),
    createdAt: at(0),
    updatedAt: at(0),
    initiatedAt: null,
    webhookUrl: null,
    timer: null,
  };
  // When each status is reached, after the call was accepted (as bolna-api.md saw on real calls).
  const offsets: Record<(typeof LIFECYCLE)[number], number> = {
    initiated: 1_000,
    ringing: 3_000,
    'in-progress': 3_000 + plan.ringSeconds * 1000,
    'call-disconnected': 3_000 + plan.ringSeconds * 1000 + plan.conversationSeconds * 1000,
    completed: 3_000 + plan.ringSeconds * 1000 + plan.conversationSeconds * 1000 + 150_000,
  };
  const deliveries: string[][] = [];
  const sizes: number[] = [];
  // A rejected call never goes in progress; Bolna then sends its last snapshot twice (a duplicate).
  const statuses: (typeof LIFECYCLE)[number][] =
    plan.outcome === 'rejected'
      ? ['initiated', 'ringing', 'call-disconnected', 'completed', 'completed']
      : [...LIFECYCLE];
  let text = '';
  for (const status of statuses) {
    if (rec.status !== status) {
      rec.history.push(status);
      rec.status = status;
      if (status === 'initiated') rec.initiatedAt = at(offsets.initiated);
      rec.updatedAt = at(offsets[status]);
      text = JSON.stringify(executionBody(rec, 'https://recordings.bolna.example'));
    }
    deliveries.push(text.split(SLOT));
    sizes.push(Buffer.byteLength(text.replaceAll(EXEC, 'x'.repeat(36)).replaceAll(AGENT, 'x'.repeat(36))));
  }
  return { deliveries, sizes };
}
