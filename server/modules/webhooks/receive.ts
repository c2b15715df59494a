/**
 * Receiving a provider webhook: check the request (source address, token present, a JSON execution
 * body), then hand it to the ingest queue, which authenticates the token and stores the raw delivery
 * durably; only then acknowledge. The merge follows (the ingest queue's second stage). Bad bodies
 * are kept as `rejected` deliveries (visible, never applied); requests without a valid token store
 * nothing at all.
 */
import type { AppContext } from '../../context.js';
import { Forbidden, Unauthenticated, ValidationFailed } from '../../errors.js';
import { sha256Hex } from '../../lib/crypto.js';
import { BolnaPayloadError, mapExecution, type ProviderCallSnapshot } from '../../providers/bolna/index.js';
import { payloadDigest } from '../calls/merge-rules.js';
import { findOrganizationByWebhookTokenHash } from '../orgs/orgs.repository.js';
import { insertEvent, type WebhookEventInsert } from './webhook-events.repository.js';

/** Request headers worth keeping with a delivery (never cookies or authorization). */
const KEPT_HEADERS = [
  'content-type',
  'content-length',
  'user-agent',
  'x-forwarded-for',
  'x-request-id',
  'x-real-ip',
];

export interface IncomingDelivery {
  token: string | undefined;
  ip: string;
  headers: Record<string, string | string[] | undefined>;
  rawBody: string;
}

/** A webhook delivery that passed the request checks: a JSON execution, not yet stored. */
export interface CheckedWebhook {
  /** SHA-256 of the token: organizations are found by it. */
  tokenHash: string;
  ip: string;
  headers: Record<string, string>;
  receivedAt: Date;
  /** The body as received (valid JSON): stored as the payload. */
  rawBody: string;
  snapshot: ProviderCallSnapshot;
  payloadDigest: string;
}

/** `\u0000` preceded by an even number of backslashes: a NUL escape, not an escaped backslash. */
const NUL_ESCAPE = /(?<!\\)(?:\\\\)*\\u0000/;

function keptHeaders(headers: IncomingDelivery['headers']): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const name of KEPT_HEADERS) {
    const value = headers[name];
    if (value !== undefined) kept[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return kept;
}

/** The 401 of a refused webhook, counted and logged (never with the token); nothing is stored. */
export function refusal(ctx: AppContext, ip: string, reason: 'missing_token' | 'bad_token'): Unauthenticated {
  ctx.metrics.webhookRefused.inc({ reason });
  if (reason === 'missing_token') {
    ctx.log.warn({ ip }, 'webhook refused: no token');
    return new Unauthenticated('The webhook URL must carry the organization token: ?token=<webhook token>.');
  }
  ctx.log.warn({ ip }, 'webhook refused: unknown token');
  return new Unauthenticated('The webhook token is not valid (it may have been rotated).');
}

/** Resolves the token to its organization, or refuses (a counter and a log line, nothing stored). */
async function authenticateWebhook(ctx: AppContext, token: string | undefined, ip: string): Promise<string> {
  if (!token) throw refusal(ctx, ip, 'missing_token');
  const org = await findOrganizationByWebhookTokenHash(ctx.db, sha256Hex(token));
  if (!org) throw refusal(ctx, ip, 'bad_token');
  return org.id;
}

/** Refuses a source address outside the allow-list. */
export function checkSourceIp(ctx: AppContext, allows: (ip: string) => boolean, ip: string): void {
  if (!allows(ip)) {
    ctx.metrics.webhookRefused.inc({ reason: 'ip_not_allowed' });
    ctx.log.warn({ ip }, 'webhook refused: source address not in WEBHOOK_IP_ALLOWLIST');
    throw new Forbidden(`Webhooks from ${ip} are not accepted (WEBHOOK_IP_ALLOWLIST).`);
  }
}

/**
 * Checks a webhook request. Without a token: 401, nothing stored. A body that is not a JSON
 * execution object (without `id` and `status`) is stored as `rejected` when the token is good, and
 * answered with a 400 that names the problem.
 */
export async function checkDelivery(ctx: AppContext, delivery: IncomingDelivery): Promise<CheckedWebhook> {
  if (!delivery.token) throw refusal(ctx, delivery.ip, 'missing_token');
  const invalid = (field: string, problem: string) => rejectDelivery(ctx, delivery, field, problem);
  let payload: unknown;
  try {
    payload = JSON.parse(delivery.rawBody);
  } catch {
    return invalid('body', 'is not valid JSON');
  }
  const body = payload as Record<string, unknown> | null;
  if (!body || typeof body !== 'object' || Array.isArray(body)) {
    return invalid('body', 'must be a JSON object (a Bolna execution)');
  }
  // PostgreSQL's jsonb cannot hold a NUL character (an unescaped \u0000 in a JSON string).
  if (NUL_ESCAPE.test(delivery.rawBody)) return invalid('body', 'contains \\u0000, which cannot be stored');
  if (!body.id && !body.execution_id) return invalid('id', 'is required');
  if (typeof body.status !== 'string' || body.status === '') return invalid('status', 'is required');
  let snapshot;
  try {
    snapshot = mapExecution(body);
  } catch (err) {
    if (err instanceof BolnaPayloadError) return invalid('body', err.message);
    throw err;
  }
  return {
    tokenHash: sha256Hex(delivery.token),
    ip: delivery.ip,
    headers: keptHeaders(delivery.headers),
    receivedAt: ctx.now(),
    rawBody: delivery.rawBody,
    snapshot,
    payloadDigest: payloadDigest(body),
  };
}

async function rejectDelivery(
  ctx: AppContext,
  delivery: IncomingDelivery,
  field: string,
  problem: string,
): Promise<never> {
  const organizationId = await authenticateWebhook(ctx, delivery.token, delivery.ip);
  const row: WebhookEventInsert = {
    organizationId,
    source: 'webhook',
    headers: keptHeaders(delivery.headers),
    sourceIp: delivery.ip,
    receivedAt: ctx.now(),
    // A NUL byte cannot be stored in text: shown as U+FFFD.
    rawBody: delivery.rawBody.slice(0, 64 * 1024).replace(/\0/g, '\uFFFD'),
    verdict: 'rejected',
    error: `${field}: ${problem}`,
    processedAt: ctx.now(),
  };
  await insertEvent(ctx.db, row);
  ctx.metrics.webhookVerdicts.inc({ verdict: 'rejected' });
  throw ValidationFailed.field(field, problem);
}
