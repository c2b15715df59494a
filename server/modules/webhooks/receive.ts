/**
 * Receiving a provider webhook: authenticate by the organization's token, store the raw delivery
 * durably, and only then acknowledge. Bad bodies are kept as `rejected` deliveries (visible, never
 * applied); requests without a valid token store nothing at all.
 */
import { createHash } from 'node:crypto';
import type { AppContext } from '../../context.js';
import { Forbidden, Unauthenticated, ValidationFailed } from '../../errors.js';
import { sha256Hex } from '../../lib/crypto.js';
import { BolnaPayloadError, mapExecution } from '../../providers/bolna/index.js';
import { stableStringify } from '../calls/merge-rules.js';
import { findOrganizationByWebhookTokenHash } from '../orgs/orgs.repository.js';
import { insertEvent } from './webhook-events.repository.js';

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

/** The digest duplicates are recognised by: the same content, whatever its key order or spacing. */
export function payloadDigest(payload: unknown): string {
  return createHash('sha256').update(stableStringify(payload)).digest('hex');
}

function keptHeaders(headers: IncomingDelivery['headers']): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const name of KEPT_HEADERS) {
    const value = headers[name];
    if (value !== undefined) kept[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return kept;
}

/** Resolves the token to its organization, or refuses (a counter and a log line, nothing stored). */
export async function authenticateWebhook(
  ctx: AppContext,
  token: string | undefined,
  ip: string,
): Promise<string> {
  if (!token) {
    ctx.metrics.webhookRefused.inc({ reason: 'missing_token' });
    ctx.log.warn({ ip }, 'webhook refused: no token');
    throw new Unauthenticated('The webhook URL must carry the organization token: ?token=<webhook token>.');
  }
  const org = await findOrganizationByWebhookTokenHash(ctx.db, sha256Hex(token));
  if (!org) {
    ctx.metrics.webhookRefused.inc({ reason: 'bad_token' });
    ctx.log.warn({ ip }, 'webhook refused: unknown token');
    throw new Unauthenticated('The webhook token is not valid (it may have been rotated).');
  }
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
 * Stores the delivery and returns its id. A body that is not a JSON execution object (without `id`
 * and `status`) is stored as `rejected` and answered with a 400 that names the problem.
 */
export async function storeDelivery(ctx: AppContext, organizationId: string, delivery: IncomingDelivery) {
  const base = {
    organizationId,
    source: 'webhook' as const,
    headers: keptHeaders(delivery.headers),
    sourceIp: delivery.ip,
    receivedAt: ctx.now(),
  };
  let payload: unknown;
  try {
    payload = JSON.parse(delivery.rawBody);
  } catch {
    return reject(ctx, base, delivery.rawBody, 'body', 'is not valid JSON');
  }
  const body = payload as Record<string, unknown> | null;
  if (!body || typeof body !== 'object' || Array.isArray(body)) {
    return reject(ctx, base, delivery.rawBody, 'body', 'must be a JSON object (a Bolna execution)');
  }
  if (!body.id && !body.execution_id) return reject(ctx, base, delivery.rawBody, 'id', 'is required');
  if (typeof body.status !== 'string' || body.status === '') {
    return reject(ctx, base, delivery.rawBody, 'status', 'is required');
  }
  let snapshot;
  try {
    snapshot = mapExecution(body);
  } catch (err) {
    if (err instanceof BolnaPayloadError) return reject(ctx, base, delivery.rawBody, 'body', err.message);
    throw err;
  }
  const event = await insertEvent(ctx.db, {
    ...base,
    payload: body,
    payloadDigest: payloadDigest(body),
    providerCallId: snapshot.providerCallId,
    providerAgentId: snapshot.providerAgentId,
    status: snapshot.status ?? snapshot.rawStatus,
  });
  ctx.metrics.webhookDeliveries.inc({ source: 'webhook' });
  return event.id;
}

async function reject(
  ctx: AppContext,
  base: Parameters<typeof insertEvent>[1],
  rawBody: string,
  field: string,
  problem: string,
): Promise<never> {
  await insertEvent(ctx.db, {
    ...base,
    rawBody: rawBody.slice(0, 64 * 1024),
    verdict: 'rejected',
    error: `${field}: ${problem}`,
    processedAt: ctx.now(),
  });
  ctx.metrics.webhookVerdicts.inc({ verdict: 'rejected' });
  throw ValidationFailed.field(field, problem);
}
