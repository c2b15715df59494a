/**
 * The five-phase test of one organization, read-only apart from a test delivery and a ping:
 * agents synced, webhooks configured at Bolna, the public endpoint reachable, a test delivery
 * round-trips through the event log, a real-time event arrives. Phases run independently, so the
 * report says everything that is wrong, not only the first thing.
 */
import type { ApiClient } from './api.js';
import { AgentList, Diagnostics, WebhookSettings } from './contract.js';
import { CliError } from './errors.js';
import { BOLNA_FIX, ENDPOINT_FIX, REALTIME_FIX } from './fixes.js';
import { maskToken } from './output.js';
import { realtimeRoundTrip } from './realtime.js';
import { orgPath, type OrgTarget } from './targets.js';
import { probeWebhookEndpoint, sendTestDelivery } from './webhook-checks.js';

export const PHASES = [
  { id: 'agents', name: 'agents synced' },
  { id: 'webhooks', name: 'webhooks configured' },
  { id: 'endpoint', name: 'endpoint reachable' },
  { id: 'delivery', name: 'test delivery round-trips' },
  { id: 'realtime', name: 'real-time event arrives' },
] as const;
export type PhaseId = (typeof PHASES)[number]['id'];

export interface PhaseResult {
  id: PhaseId;
  name: string;
  ok: boolean;
  detail: string;
  fix: string | null;
  durationMs: number;
}

export interface OrgReport {
  id: string;
  name: string;
  ok: boolean;
  phases: PhaseResult[];
}

type Outcome = { ok: boolean; detail: string; fix?: string | null };

/** Runs the five phases for one organization. */
export async function verifyOrganization(
  api: ApiClient,
  org: OrgTarget,
  now: () => Date,
): Promise<OrgReport> {
  const phases: PhaseResult[] = [];
  const run = async (id: PhaseId, body: () => Promise<Outcome>) => {
    const started = performance.now();
    let outcome: Outcome;
    try {
      outcome = await body();
    } catch (err) {
      if (!(err instanceof CliError)) throw err;
      outcome = { ok: false, detail: err.message };
    }
    phases.push({
      id,
      name: PHASES.find((p) => p.id === id)!.name,
      ok: outcome.ok,
      detail: outcome.detail,
      fix: outcome.ok ? null : (outcome.fix ?? null),
      durationMs: Math.round(performance.now() - started),
    });
  };

  await run('agents', async () => {
    const { data } = await api.get(orgPath(org.id, '/agents'), AgentList);
    const unsynced = data.filter((a) => a.syncStatus !== 'synced' || !a.providerAgentId);
    if (unsynced.length === 0)
      return { ok: true, detail: data.length ? `${data.length} agents synced` : 'no agents' };
    return {
      ok: false,
      detail: unsynced
        .map((a) => `agent "${a.name}" is ${a.syncStatus}${a.syncError ? ` (${a.syncError})` : ''}`)
        .join('; '),
      fix: `run \`automitra agents sync --org ${org.id}\``,
    };
  });

  await run('webhooks', async () => {
    const diag = await api.get(orgPath(org.id, '/diagnostics'), Diagnostics);
    if (!diag.bolna.reachable) {
      return {
        ok: false,
        detail: `Bolna (${diag.bolna.baseUrl}) unreachable: ${diag.bolna.error}`,
        fix: BOLNA_FIX,
      };
    }
    const wrong = diag.agents.filter((a) => !a.ok);
    if (wrong.length === 0) {
      return {
        ok: true,
        detail: diag.agents.length
          ? `${diag.agents.length} agents send to ${maskToken(diag.expectedWebhookUrl)}`
          : 'no agents',
      };
    }
    return {
      ok: false,
      detail: wrong
        .map(
          (a) =>
            `agent "${a.name}": Bolna has ${maskToken(a.bolnaWebhookUrl) ?? 'no webhook URL'}` +
            `${a.error ? ` (${a.error})` : ''}`,
        )
        .join('; '),
      fix: `run \`automitra webhooks configure --org ${org.id}\``,
    };
  });

  // The two webhook phases need the organization's URL; reading it is part of both.
  let settings: { url: string } | null = null;
  const webhookUrl = async () =>
    (settings ??= await api.get(orgPath(org.id, '/webhook'), WebhookSettings)).url;

  await run('endpoint', async () => {
    const probe = await probeWebhookEndpoint(await webhookUrl());
    return { ok: probe.ok, detail: probe.detail, fix: ENDPOINT_FIX(probe.url) };
  });

  await run('delivery', async () => {
    const delivery = await sendTestDelivery(api, org.id, await webhookUrl(), now());
    return {
      ok: delivery.ok,
      detail: delivery.detail,
      fix: 'check PUBLIC_WEBHOOK_URL and the webhook token, then run `automitra webhooks test`',
    };
  });

  await run('realtime', async () => {
    const live = await realtimeRoundTrip(api, org.id);
    return { ok: live.ok, detail: live.detail, fix: REALTIME_FIX };
  });

  return { id: org.id, name: org.name, ok: phases.every((p) => p.ok), phases };
}
