/**
 * A few weeks of finished calls written straight into the database, so the dashboard and the history
 * in the screenshots look like an organization at work. Deterministic (a fixed pseudo-random
 * stream); only terminal statuses, so no background job touches them. The live call of the test is
 * placed for real, through the browser.
 */
import type { App } from '../server/http.js';
import { calls } from '../server/db/schema.js';

const HANGUPS = [
  'Call recipient hungup',
  'Assistant hungup',
  'Call recipient hungup',
  'Call duration exceeded',
];
const SUMMARIES = [
  'The caller confirmed the appointment for Thursday at 4 pm and asked for a reminder by SMS.',
  'The caller asked about pricing and agreed to a follow-up call next week.',
  'The caller rescheduled to Monday morning.',
];

function stream(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** Writes `count` finished calls of `agentId` over the last `days` days. */
export async function seedHistory(app: App, organizationId: string, agentId: string, count = 140, days = 24) {
  const random = stream(20261121);
  const now = Date.now();
  const rows = [];
  for (let i = 0; i < count; i++) {
    // More calls on recent days, a quieter weekend rhythm.
    const dayAgo = Math.floor(random() ** 1.6 * days) + 1;
    const created = new Date(now - dayAgo * 86_400_000 - random() * 8 * 3_600_000);
    const r = random();
    const status =
      r < 0.68 ? 'completed' : r < 0.8 ? 'no_answer' : r < 0.89 ? 'busy' : r < 0.95 ? 'failed' : 'canceled';
    const answered = status === 'completed';
    const duration = answered ? Math.round(15 + random() ** 1.8 * 420) : 0;
    const cost = answered ? Math.round((duration / 60) * (7 + random() * 3) * 100) / 100 : 0;
    const llm = Math.round(cost * 0.22 * 100) / 100;
    const network = Math.round(cost * 0.31 * 100) / 100;
    const synthesizer = Math.round(cost * 0.19 * 100) / 100;
    const transcriber = Math.round(cost * 0.12 * 100) / 100;
    const started = new Date(created.getTime() + 6_000);
    rows.push({
      organizationId,
      agentId,
      providerCallId: `seed-${i.toString(16).padStart(6, '0')}-${Math.floor(random() * 1e9).toString(16)}`,
      status,
      direction: 'outbound',
      toNumber: `+9198${String(Math.floor(random() * 1e8)).padStart(8, '0')}`,
      fromNumber: '+918035738463',
      duration: answered ? duration : status === 'failed' ? null : 0,
      totalCostCents: status === 'failed' ? 0 : cost,
      costBreakdown: {
        llm,
        network,
        platform: Math.round((cost - llm - network - synthesizer - transcriber) * 100) / 100,
        synthesizer,
        transcriber,
      },
      hangupBy: answered ? (random() < 0.7 ? 'Callee' : 'Assistant') : null,
      hangupReason: answered
        ? HANGUPS[Math.floor(random() * HANGUPS.length)]!
        : status === 'no_answer'
          ? 'No answer'
          : status === 'busy'
            ? 'Line busy'
            : null,
      errorMessage: status === 'failed' ? 'Telephony provider rejected the number' : null,
      summary: answered ? SUMMARIES[i % SUMMARIES.length]! : null,
      startedAt: answered ? started : null,
      endedAt: new Date(started.getTime() + duration * 1000),
      createdAt: created,
      updatedAt: created,
      version: 5,
    });
  }
  await app.automitra.db.insert(calls).values(rows);
}
