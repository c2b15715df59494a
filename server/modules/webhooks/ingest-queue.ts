/**
 * The receiver's ingest queue: checked webhook deliveries wait here for the transaction that stores
 * and merges them; their requests are answered when it commits. Up to two transactions run at once;
 * each takes what accumulated while the transactions before it ran, so a quiet system handles each
 * delivery at once and a busy one stores and merges dozens per transaction (group commit): the token
 * check, the call lookups, the merge's writes and the inserts are a few statements per batch instead
 * of per delivery. Two at once keep the database busy while the other batch is merged in JavaScript
 * or waits for a round trip (docs/benchmarks.md); they lock different rows, except when both hold a
 * delivery of the same call, and then the second waits for the first (the daily counters are kept
 * per database backend, so they never make batches wait).
 *
 * Nothing is acknowledged before it is stored. When a batch cannot be merged (a bug, a deadlock with
 * another node), its deliveries are tried one by one; one that still fails is stored without its
 * merge and acknowledged, and the recovery job merges it (every minute, up to ten attempts).
 */
import { randomUUID } from 'node:crypto';
import type { AppContext } from '../../context.js';
import type { SqlTransaction } from '../../db/index.js';
import { jsonRows } from '../../db/json-rows.js';
import {
  mergeAndCommit,
  sendFollowUpPolls,
  VERDICTS_NOT_RECORDED,
  verdictRow,
  type ApplyOutcome,
  type StoredDelivery,
} from './apply-event.js';
import { publishOutcomes } from './process.js';
import { refusal, storeUnmerged, type CheckedWebhook } from './receive.js';

export interface IngestQueueOptions {
  /** Deliveries per transaction at most; default 64. */
  maxBatch?: number;
  /** Transactions at once at most; default 2. */
  concurrency?: number;
}

export interface IngestQueue {
  /**
   * Stores and merges the delivery; resolves to its event id once committed. Rejects with a 401
   * when no organization has the token (nothing stored).
   */
  submit(webhook: CheckedWebhook): Promise<string>;
  /** Waits (up to `timeoutMs`) for the deliveries already submitted; later ones are stored unmerged. */
  close(timeoutMs?: number): Promise<void>;
}

interface Pending {
  webhook: CheckedWebhook;
  resolve(id: string): void;
  reject(err: unknown): void;
}

export function createIngestQueue(ctx: AppContext, options: IngestQueueOptions = {}): IngestQueue {
  const maxBatch = Math.max(1, options.maxBatch ?? 64);
  const concurrency = Math.max(1, options.concurrency ?? 2);
  const waiting: Pending[] = [];
  const orgs: OrganizationCache = new Map();
  const outbox = createPollOutbox(ctx);
  /** Transaction loops running; counted down in the same step that finds nothing waiting. */
  let active = 0;
  const running = new Set<Promise<void>>();
  let closing = false;

  /** Runs transactions until nothing waits; the first lets this turn's requests join it. */
  async function drain(): Promise<void> {
    try {
      await new Promise((resolve) => setImmediate(resolve));
      while (waiting.length > 0) {
        const batch = waiting.splice(0, maxBatch);
        await storeBatch(ctx, orgs, outbox, batch).catch((err: unknown) => {
          // storeBatch answers every request itself; this is a last resort against a bug.
          ctx.log.error({ err }, 'ingest queue: a batch failed unexpectedly');
          batch.forEach((pending) => pending.reject(err));
        });
      }
    } finally {
      active -= 1;
    }
  }

  return {
    submit(webhook) {
      if (closing) return storeUnmerged(ctx, webhook);
      return new Promise<string>((resolve, reject) => {
        waiting.push({ webhook, resolve, reject });
        if (active < concurrency) {
          active += 1;
          const loop = drain().finally(() => running.delete(loop));
          running.add(loop);
        }
      });
    },
    async close(timeoutMs = 10_000) {
      closing = true;
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.all(running),
        new Promise((resolve) => {
          timer = setTimeout(resolve, timeoutMs);
          timer.unref();
        }),
      ]);
      clearTimeout(timer);
      await outbox.flush();
    },
  };
}

/**
 * Organization ids by webhook token digest, as last read. Only a hint: every insert checks that the
 * organization still holds the token, and a batch that finds one stale is rolled back and redone
 * with fresh lookups, so a rotated token is refused at once.
 */
type OrganizationCache = Map<string, string>;
const MAX_CACHED_ORGANIZATIONS = 10_000;

class StaleOrganization extends Error {
  constructor() {
    super('a cached organization no longer holds its webhook token');
  }
}

/** One batch: stored and merged in one transaction, or else stored one by one unmerged. Never throws. */
async function storeBatch(
  ctx: AppContext,
  orgs: OrganizationCache,
  outbox: PollOutbox,
  batch: Pending[],
): Promise<void> {
  const stop = ctx.metrics.mergeDuration.startTimer();
  let stored: Stored;
  try {
    try {
      stored = await ctx.database.transaction((tx) => storeAndMerge(ctx, tx, orgs, batch));
    } catch (err) {
      if (!(err instanceof StaleOrganization)) throw err;
      // A token was rotated (or its organization deleted) since it was cached: look them up again.
      batch.forEach((pending) => orgs.delete(pending.webhook.tokenHash));
      stored = await ctx.database.transaction((tx) => storeAndMerge(ctx, tx, orgs, batch));
    }
  } catch (err) {
    stop();
    if (batch.length > 1) {
      // One bad delivery must not hold back the others: each on its own.
      for (const pending of batch) await storeBatch(ctx, orgs, outbox, [pending]);
      return;
    }
    ctx.metrics.webhookVerdicts.inc({ verdict: 'failed' });
    ctx.log.error(
      { err },
      'storing and merging a webhook delivery failed; it is stored unmerged for the recovery job',
    );
    await storeUnmerged(ctx, batch[0]!.webhook).then(batch[0]!.resolve, batch[0]!.reject);
    return;
  }
  stop();
  batch.forEach((pending, i) => {
    const id = stored.ids[i];
    if (id) pending.resolve(id);
    else pending.reject(refusal(ctx, pending.webhook.ip, 'bad_token'));
  });
  ctx.metrics.webhookDeliveries.inc({ source: 'webhook' }, stored.outcomes.length);
  publishOutcomes(ctx, stored.outcomes);
  outbox.add(stored.polls);
}

type FollowUpPoll = Parameters<typeof sendFollowUpPolls>[1][number];

/**
 * The follow-up polls of committed batches, sent by one sender: what accumulates while a send runs
 * goes in the next one, so a busy queue sends them in a few multi-row inserts (each its own
 * transaction) rather than one per batch. They are not held back any longer than that: a call's
 * polls share one queued job (`short` policy), so polls gathered over a longer window would let a
 * call's confirmation displace its first poll, or not, depending on the window rather than on order.
 */
interface PollOutbox {
  add(polls: FollowUpPoll[]): void;
  /** Resolves once everything added has been sent. */
  flush(): Promise<void>;
}

function createPollOutbox(ctx: AppContext): PollOutbox {
  const pending: FollowUpPoll[] = [];
  let sending: Promise<void> | undefined;
  const send = (): Promise<void> => {
    if (sending || pending.length === 0) return sending ?? Promise.resolve();
    sending = sendFollowUpPolls(ctx, pending.splice(0)).finally(() => {
      sending = undefined;
      void send();
    });
    return sending;
  };
  return {
    add(polls) {
      pending.push(...polls);
      void send();
    },
    async flush() {
      while (sending || pending.length > 0) await send();
    },
  };
}

interface Stored {
  /** Each delivery's event id; null: unknown token, nothing stored. */
  ids: (string | null)[];
  outcomes: ApplyOutcome[];
  /** The polls that follow the merges, sent once the transaction committed. */
  polls: FollowUpPoll[];
}

/**
 * Finds the organizations by token digest, merges the deliveries of those found, and inserts them
 * with their verdicts. Returns each delivery's event id (null: unknown token, nothing stored).
 */
async function storeAndMerge(
  ctx: AppContext,
  tx: SqlTransaction,
  orgs: OrganizationCache,
  batch: Pending[],
): Promise<Stored> {
  const unknown = [...new Set(batch.map((p) => p.webhook.tokenHash))].filter((hash) => !orgs.has(hash));
  if (unknown.length > 0) {
    const { rows } = await tx.query<{ id: string; webhook_token_hash: string }>(
      'SELECT id, webhook_token_hash FROM organizations WHERE webhook_token_hash = ANY($1::text[])',
      [unknown],
    );
    if (orgs.size + rows.length > MAX_CACHED_ORGANIZATIONS) orgs.clear();
    for (const row of rows) orgs.set(row.webhook_token_hash, row.id);
  }

  const ids: (string | null)[] = [];
  const deliveries: StoredDelivery[] = [];
  const webhooks = new Map<string, { webhook: CheckedWebhook; organizationId: string }>();
  for (const { webhook } of batch) {
    const organizationId = orgs.get(webhook.tokenHash);
    if (!organizationId) {
      ids.push(null);
      continue;
    }
    const id = randomUUID();
    ids.push(id);
    webhooks.set(id, { webhook, organizationId });
    deliveries.push({
      id,
      organizationId,
      source: 'webhook',
      snapshot: webhook.snapshot,
      payloadDigest: webhook.payloadDigest,
      receivedAt: webhook.receivedAt,
    });
  }
  if (deliveries.length === 0) return { ids, outcomes: [], polls: [] };

  const now = ctx.now();
  // The events are inserted with their verdicts by the statement that writes the calls.
  const merge = await mergeAndCommit(ctx, tx, deliveries, now, (verdicts) => {
    const rows = verdicts.map((verdict) => {
      const { webhook, organizationId } = webhooks.get(verdict.id)!;
      return {
        ...verdictRow(verdict),
        organization_id: organizationId,
        token_hash: webhook.tokenHash,
        headers: webhook.headers,
        source_ip: webhook.ip,
        received_at: webhook.receivedAt,
        payload_digest: webhook.payloadDigest,
        provider_call_id: webhook.snapshot.providerCallId,
        provider_agent_id: webhook.snapshot.providerAgentId,
        status: webhook.snapshot.status ?? webhook.snapshot.rawStatus,
      };
    });
    const bodies = verdicts.map((v) => webhooks.get(v.id)!.webhook.rawBody);
    return {
      // The organization must still hold the token (the cache may be older than a rotation).
      sql: `INSERT INTO webhook_events (id, organization_id, source, headers, source_ip, received_at,
                                        payload, payload_digest, provider_call_id, provider_agent_id,
                                        status, verdict, call_id, changed_fields, attempts, processed_at)
            SELECT v.id, v.organization_id, 'webhook', v.headers, v.source_ip, v.received_at, v.payload,
                   v.payload_digest, v.provider_call_id, v.provider_agent_id, v.status, v.verdict,
                   v.call_id, v.changed_fields, 1, $2
              FROM ${jsonRows('$1', 'v', EVENT_COLUMNS, rows.length)}
              JOIN organizations o ON o.id = v.organization_id AND o.webhook_token_hash = v.token_hash
            RETURNING id`,
      params: [withPayloads(rows, bodies), now],
    };
  });
  // A delivery the insert left out: its organization no longer holds the token (all rolled back).
  const outcomes = await merge.outcomes.catch((err: { code?: string }) => {
    throw err?.code === VERDICTS_NOT_RECORDED ? new StaleOrganization() : err;
  });
  return { ids, outcomes, polls: merge.polls };
}

/** The columns of the events' rows (`withPayloads`). */
const EVENT_COLUMNS = `id uuid, organization_id uuid, token_hash text, headers jsonb, source_ip text,
  received_at timestamptz, payload jsonb, payload_digest text, provider_call_id text,
  provider_agent_id text, status text, verdict text, call_id uuid, changed_fields text[]`;

/**
 * The rows as one JSON array, each with its delivery's body as its `payload` member, verbatim: the
 * body is valid JSON already (checked on receipt), so it is neither parsed again nor escaped as a string.
 */
function withPayloads(rows: object[], bodies: string[]): string {
  return `[${rows.map((row, i) => `${JSON.stringify(row).slice(0, -1)},"payload":${bodies[i]}}`).join(',')}]`;
}
