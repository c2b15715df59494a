/**
 * Checks of the public webhook path, the way Bolna uses it: is the receiver reachable at the
 * public URL, and does a delivery sent there come back out of the event log.
 */
import { randomUUID } from 'node:crypto';
import type { ApiClient } from './api.js';
import { explainNetworkError } from './api.js';
import { WebhookAccepted, WebhookEvent } from './contract.js';
import { CliError } from './errors.js';
import { maskToken } from './output.js';
import { orgPath } from './targets.js';

const PROBE_TIMEOUT_MS = 10_000;

/** The webhook URL without its token (what anyone on the internet can call). */
export function withoutToken(webhookUrl: string): string {
  const url = new URL(webhookUrl);
  url.searchParams.delete('token');
  return url.toString();
}

export interface EndpointProbe {
  ok: boolean;
  url: string;
  status: number | null;
  detail: string;
}

/**
 * POSTs to the receiver without a token: our server answers 401 with its JSON error, which proves the
 * public URL reaches this platform. Anything else (no answer, a proxy page, 404) means Bolna's
 * deliveries would not arrive.
 */
export async function probeWebhookEndpoint(webhookUrl: string): Promise<EndpointProbe> {
  const url = withoutToken(webhookUrl);
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
      redirect: 'manual',
      signal: AbortSignal.timeout(PROBE_TIMEOUT_MS),
    });
  } catch (err) {
    const explained = explainNetworkError(
      err,
      { name: url, hint: 'Bolna could not deliver webhooks there' },
      PROBE_TIMEOUT_MS,
    );
    return { ok: false, url, status: null, detail: explained.message };
  }
  const text = await res.text().catch(() => '');
  const body = safeJson(text) as { error?: unknown; requestId?: unknown } | null;
  if (res.status === 401 && body && typeof body.error === 'string' && body.requestId) {
    return {
      ok: true,
      url,
      status: 401,
      detail: `${url} reaches the webhook receiver (401 without a token)`,
    };
  }
  return {
    ok: false,
    url,
    status: res.status,
    detail:
      `${url} answered ${res.status}${body ? '' : ' (not our JSON error)'} instead of the receiver's 401: ` +
      'that URL does not reach this platform’s webhook receiver',
  };
}

export interface TestDelivery {
  ok: boolean;
  detail: string;
  url: string;
  executionId: string;
  eventId: string | null;
  httpStatus: number | null;
  verdict: string | null;
  /** Time of the POST to the public URL until its 202. */
  postMs: number | null;
  /** Time from sending until the delivery was read back from the event log. */
  roundTripMs: number | null;
}

/** A Bolna-shaped execution that no agent owns: stored and kept as an orphan, changing no call. */
export function testDeliveryBody(now: Date, executionId: string): Record<string, unknown> {
  const at = now.toISOString().replace('Z', '');
  return {
    id: executionId,
    agent_id: 'automitra-webhook-test',
    status: 'initiated',
    automitra_test: true,
    created_at: at,
    updated_at: at,
  };
}

/**
 * Sends a test delivery to the organization's public webhook URL (with its token, as Bolna does),
 * then reads it back from the event log (`GET /webhook-events/:id`) until it is processed.
 */
export async function sendTestDelivery(
  api: ApiClient,
  orgId: string,
  webhookUrl: string,
  now: Date,
  timeoutMs = 10_000,
): Promise<TestDelivery> {
  const executionId = `webhook-test-${randomUUID()}`;
  const shown = maskToken(webhookUrl)!;
  const result: TestDelivery = {
    ok: false,
    detail: '',
    url: shown,
    executionId,
    eventId: null,
    httpStatus: null,
    verdict: null,
    postMs: null,
    roundTripMs: null,
  };
  const started = performance.now();
  let res: Response;
  try {
    res = await fetch(webhookUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'automitra-cli webhook test' },
      body: JSON.stringify(testDeliveryBody(now, executionId)),
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (err) {
    result.detail = explainNetworkError(
      err,
      { name: withoutToken(webhookUrl), hint: 'check PUBLIC_WEBHOOK_URL on the server' },
      timeoutMs,
    ).message;
    return result;
  }
  result.postMs = Math.round(performance.now() - started);
  result.httpStatus = res.status;
  const text = await res.text().catch(() => '');
  if (res.status !== 202) {
    result.detail =
      res.status === 401
        ? `the webhook token was refused (401): the URL the platform gives is stale or rotated`
        : `the webhook receiver answered ${res.status} instead of 202: ${text.slice(0, 200)}`;
    return result;
  }
  const accepted = WebhookAccepted.safeParse(safeJson(text));
  if (!accepted.success) {
    result.detail = `the 202 answer is not {received, eventId}: ${text.slice(0, 200)}`;
    return result;
  }
  result.eventId = accepted.data.eventId;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let event;
    try {
      event = await api.get(orgPath(orgId, `/webhook-events/${accepted.data.eventId}`), WebhookEvent);
    } catch (err) {
      if (!(err instanceof CliError)) throw err;
      result.detail = `delivered (202) but it could not be read back: ${err.message}`;
      return result;
    }
    result.verdict = event.verdict;
    if (event.verdict !== 'pending' || Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  result.roundTripMs = Math.round(performance.now() - started);
  // Any verdict but `failed` proves the path; `failed` means the server could not merge it.
  result.ok = result.verdict !== 'failed';
  result.detail =
    `delivered to ${shown} (202 in ${result.postMs} ms), stored as event ${result.eventId}` +
    (result.verdict === 'pending'
      ? ', not merged yet'
      : `, verdict ${result.verdict}${result.verdict === 'orphan' ? ' (expected: no agent owns a test delivery)' : ''}`) +
    `; round trip ${result.roundTripMs} ms`;
  return result;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
