/**
 * The receiver's ingest queue, in two stages, as the design draws it: store, acknowledge, merge.
 *
 * 1. **Store.** Checked deliveries wait for the statement that stores them; each request is answered
 *    202 once its delivery is committed. Up to two statements run at once; each takes every delivery
 *    that arrived while the ones before it ran (up to 64): one INSERT for the whole batch (group
 *    commit), which checks that each organization still holds the token it was found by.
 * 2. **Merge.** Stored deliveries then wait for the merge, one transaction at a time, each taking up
 *    to 256: the calls locked, each call's deliveries folded in arrival order, every call written and
 *    every verdict recorded in one statement (`mergeStored`). A quiet system merges each delivery
 *    right after its 202; a busy one merges hundreds per transaction, so the fixed cost of a
 *    transaction is shared by more deliveries the more there are to merge.
 *
 * Nothing is acknowledged before it is stored, and nothing stored is lost: a delivery whose merge
 * fails is left `failed` for the recovery job, and so is, unmerged, one the process did not get to
 * (it stopped, or more than `mergeCapacity` deliveries were waiting): the recovery job merges every
 * delivery stored more than a minute ago and still unmerged.
 */
import { randomUUID } from 'node:crypto';
import type { AppContext } from '../../context.js';
import { jsonRows } from '../../db/json-rows.js';
import { mergeStored, sendFollowUpPolls, type StoredDelivery } from './apply-event.js';
import { publishOutcomes } from './process.js';
import { refusal, storeUnmerged, type CheckedWebhook } from './receive.js';

export interface IngestQueueOptions {
  /** Deliveries per INSERT at most; default 64. */
  maxBatch?: number;
  /** INSERTs at once at most; default 2. */
  concurrency?: number;
  /** Deliveries per merge transaction at most; default 256. */
  maxMergeBatch?: number;
  /** Stored deliveries waiting for their merge at most; beyond, the recovery job merges them. Default 10,000. */
  mergeCapacity?: number;
}

export interface IngestQueue {
  /**
   * Stores the delivery; resolves to its event id once committed (its merge follows). Rejects with
   * a 401 when no organization has the token (nothing stored).
   */
  submit(webhook: CheckedWebhook): Promise<string>;
  /**
   * Waits (up to `timeoutMs`) for the deliveries already submitted to be stored and merged; later
   * ones are stored unmerged.
   */
  close(timeoutMs?: number): Promise<void>;
}

interface Pending {
  webhook: CheckedWebhook;
  resolve(id: string): void;
  reject(err: unknown): void;
}

export function createIngestQueue(ctx: AppContext, options: IngestQueueOptions = {}): IngestQueue {
  const orgs: OrganizationCache = new Map();
  const outbox = createPollOutbox(ctx);
  const mergeCapacity = options.mergeCapacity ?? 10_000;
  const merges = createBatchLoop<StoredDelivery>(1, options.maxMergeBatch ?? 256, async (batch) => {
    const merged = await mergeStored(ctx, batch);
    try {
      publishOutcomes(ctx, merged.outcomes);
    } catch (err) {
      ctx.log.error({ err }, 'publishing merged deliveries failed');
    }
    outbox.add(merged.polls);
  });
  const stores = createBatchLoop<Pending>(options.concurrency ?? 2, options.maxBatch ?? 64, async (batch) => {
    const stored = await storeBatch(ctx, orgs, batch);
    if (stored.length === 0) return;
    if (merges.size() + stored.length > mergeCapacity) {
      ctx.log.warn(
        { waiting: merges.size(), deliveries: stored.length },
        'too many deliveries wait for their merge: these are left to the recovery job',
      );
      return;
    }
    merges.push(stored);
  });
  let closing = false;

  return {
    submit(webhook) {
      if (closing) return storeUnmerged(ctx, webhook);
      return new Promise<string>((resolve, reject) => stores.push([{ webhook, resolve, reject }]));
    },
    async close(timeoutMs = 10_000) {
      closing = true;
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        stores.idle().then(() => merges.idle()),
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
 * Items handled in batches by up to `concurrency` loops: each loop takes what accumulated while the
 * batches before it ran (up to `maxBatch`), the first one lets the items of this turn join it.
 * `run` never throws (a throw is logged by the caller's own handling and the loop goes on).
 */
interface BatchLoop<T> {
  push(items: T[]): void;
  /** Items waiting, not yet taken by a loop. */
  size(): number;
  /** Resolves once nothing waits and no loop runs. */
  idle(): Promise<void>;
}

function createBatchLoop<T>(
  concurrency: number,
  maxBatch: number,
  run: (batch: T[]) => Promise<void>,
): BatchLoop<T> {
  const waiting: T[] = [];
  const running = new Set<Promise<void>>();
  /** Loops running; counted down in the same step that finds nothing waiting. */
  let active = 0;
  async function drain(): Promise<void> {
    try {
      await new Promise((resolve) => setImmediate(resolve));
      while (waiting.length > 0) await run(waiting.splice(0, maxBatch));
    } finally {
      active -= 1;
    }
  }
  return {
    push(items) {
      waiting.push(...items);
      if (active < Math.max(1, concurrency)) {
        active += 1;
        const loop = drain().finally(() => running.delete(loop));
        running.add(loop);
      }
    },
    size: () => waiting.length,
    async idle() {
      while (running.size > 0) await Promise.all(running);
    },
  };
}

/**
 * Organization ids by webhook token digest, as last read. Only a hint: every insert checks that the
 * organization still holds the token, and a delivery the insert leaves out is tried once more with a
 * fresh lookup, so a rotated token is refused at once.
 */
type OrganizationCache = Map<string, string>;
const MAX_CACHED_ORGANIZATIONS = 10_000;

/**
 * One batch stored, each request answered: 202 with its event id, or 401 (nothing stored); when the
 * batch's INSERT fails, each delivery is tried on its own. Returns the deliveries stored, to merge.
 * Never throws.
 */
async function storeBatch(
  ctx: AppContext,
  orgs: OrganizationCache,
  batch: Pending[],
): Promise<StoredDelivery[]> {
  let stored: (StoredDelivery | null)[];
  const stop = ctx.metrics.storeDuration.startTimer();
  try {
    stored = await storeEvents(
      ctx,
      orgs,
      batch.map((pending) => pending.webhook),
    );
    stop();
  } catch (err) {
    stop();
    if (batch.length > 1) {
      const deliveries: StoredDelivery[] = [];
      for (const pending of batch) deliveries.push(...(await storeBatch(ctx, orgs, [pending])));
      return deliveries;
    }
    ctx.log.error({ err }, 'storing a webhook delivery failed');
    batch[0]!.reject(err);
    return [];
  }
  const deliveries: StoredDelivery[] = [];
  batch.forEach((pending, i) => {
    const delivery = stored[i];
    if (!delivery) return pending.reject(refusal(ctx, pending.webhook.ip, 'bad_token'));
    pending.resolve(delivery.id);
    deliveries.push(delivery);
  });
  ctx.metrics.webhookDeliveries.inc({ source: 'webhook' }, deliveries.length);
  return deliveries;
}

/** Stores the deliveries whose organization holds their token; null for the others (nothing stored). */
async function storeEvents(
  ctx: AppContext,
  orgs: OrganizationCache,
  webhooks: CheckedWebhook[],
): Promise<(StoredDelivery | null)[]> {
  const stored: (StoredDelivery | null)[] = webhooks.map(() => null);
  let todo = webhooks.map((_, i) => i);
  // A second pass for the deliveries whose cached organization no longer holds their token.
  for (let pass = 0; pass < 2 && todo.length > 0; pass += 1) {
    await lookUpOrganizations(
      ctx,
      orgs,
      todo.map((i) => webhooks[i]!.tokenHash),
    );
    const candidates = todo.filter((i) => orgs.has(webhooks[i]!.tokenHash));
    if (candidates.length === 0) break;
    const deliveries = candidates.map((i): StoredDelivery => {
      const webhook = webhooks[i]!;
      return {
        id: randomUUID(),
        organizationId: orgs.get(webhook.tokenHash)!,
        source: 'webhook',
        snapshot: webhook.snapshot,
        payloadDigest: webhook.payloadDigest,
        receivedAt: webhook.receivedAt,
      };
    });
    const inserted = await insertEvents(
      ctx,
      deliveries,
      candidates.map((i) => webhooks[i]!),
    );
    todo = [];
    candidates.forEach((i, k) => {
      if (inserted.has(deliveries[k]!.id)) stored[i] = deliveries[k]!;
      else {
        orgs.delete(webhooks[i]!.tokenHash);
        todo.push(i);
      }
    });
  }
  return stored;
}

/** Reads the organizations of the token digests not cached. */
async function lookUpOrganizations(
  ctx: AppContext,
  orgs: OrganizationCache,
  hashes: string[],
): Promise<void> {
  const unknown = [...new Set(hashes)].filter((hash) => !orgs.has(hash));
  if (unknown.length === 0) return;
  const { rows } = await ctx.database.transaction((tx) =>
    tx.queryAndCommit<{ id: string; webhook_token_hash: string }>(
      'SELECT id, webhook_token_hash FROM organizations WHERE webhook_token_hash = ANY($1::text[])',
      [unknown],
    ),
  );
  if (orgs.size + rows.length > MAX_CACHED_ORGANIZATIONS) orgs.clear();
  for (const row of rows) orgs.set(row.webhook_token_hash, row.id);
}

/**
 * Inserts the deliveries' events, unmerged (verdict NULL), in one statement that keeps only those
 * whose organization still holds the token; returns the ids inserted.
 */
async function insertEvents(
  ctx: AppContext,
  deliveries: StoredDelivery[],
  webhooks: CheckedWebhook[],
): Promise<Set<string>> {
  const rows = deliveries.map((delivery, i) => {
    const webhook = webhooks[i]!;
    return {
      id: delivery.id,
      organization_id: delivery.organizationId,
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
  const { rows: inserted } = await ctx.database.transaction((tx) =>
    tx.queryAndCommit<{ id: string }>(
      `INSERT INTO webhook_events (id, organization_id, source, headers, source_ip, received_at, payload,
                                   payload_digest, provider_call_id, provider_agent_id, status)
       SELECT v.id, v.organization_id, 'webhook', v.headers, v.source_ip, v.received_at, v.payload,
              v.payload_digest, v.provider_call_id, v.provider_agent_id, v.status
         FROM ${jsonRows('$1', 'v', EVENT_COLUMNS, rows.length)}
         JOIN organizations o ON o.id = v.organization_id AND o.webhook_token_hash = v.token_hash
       RETURNING id`,
      [
        withPayloads(
          rows,
          webhooks.map((webhook) => webhook.rawBody),
        ),
      ],
    ),
  );
  return new Set(inserted.map((row) => row.id));
}

/** The columns of the events' rows (`withPayloads`). */
const EVENT_COLUMNS = `id uuid, organization_id uuid, token_hash text, headers jsonb, source_ip text,
  received_at timestamptz, payload jsonb, payload_digest text, provider_call_id text,
  provider_agent_id text, status text`;

/**
 * The rows as one JSON array, each with its delivery's body as its `payload` member, verbatim: the
 * body is valid JSON already (checked on receipt), so it is neither parsed again nor escaped as a string.
 */
function withPayloads(rows: object[], bodies: string[]): string {
  return `[${rows.map((row, i) => `${JSON.stringify(row).slice(0, -1)},"payload":${bodies[i]}}`).join(',')}]`;
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
