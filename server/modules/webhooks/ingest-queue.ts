/**
 * The receiver's ingest queue, in two stages, as the design draws it: store, acknowledge, merge.
 *
 * 1. **Store.** Checked deliveries wait for the statement that stores them; each request is answered
 *    202 once its delivery is committed. Up to two statements run at once; each takes every delivery
 *    that arrived while the ones before it ran (up to 64): one INSERT for the whole batch (group
 *    commit), which checks that each organization still holds the token it was found by.
 * 2. **Merge.** Stored deliveries then wait for the merge, one transaction at a time, each taking up
 *    to 256: the calls locked, each call's deliveries folded in arrival order, every call written and
 *    every verdict recorded in one statement (`mergeStored`).
 *
 * **Spacing, when busy.** Below 500 deliveries a second, each delivery is stored as it comes and
 * merged right after its 202, so that live screens hear of it at once. Above, INSERTs start at least
 * 10 ms apart and merge transactions 50 ms apart (unless a full batch waits): fewer statements, each
 * taking more deliveries. Without it, a steady stream of 1,500 deliveries a second was stored three
 * at a time and merged ten at a time, and cost twice the CPU of the same deliveries arriving in
 * bursts (docs/benchmarks.md); with it, a busy node spends its CPU on deliveries rather than on
 * statements, and a live screen hears of a change at most 60 ms later. Each node counts its own
 * deliveries.
 *
 * Nothing is acknowledged before it is stored, and nothing stored is lost: a delivery whose merge
 * fails is left `failed` for the recovery job, and so is, unmerged, one the process did not get to
 * (it stopped, or more than `mergeCapacityBytes` of deliveries were waiting): the recovery job
 * merges every delivery stored more than a minute ago and still unmerged, and at a process's start
 * every one stored before it.
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { inArray } from 'drizzle-orm';
import type { AppContext } from '../../context.js';
import { jsonRows } from '../../db/json-rows.js';
import { organizations } from '../../db/schema.js';
import { mergeStored, sendFollowUpPolls, type StoredDelivery } from './apply-event.js';
import { publishOutcomes } from './process.js';
import { refusal, type CheckedWebhook } from './receive.js';

export interface IngestQueueOptions {
  /** Deliveries per INSERT at most; default 64. */
  maxBatch?: number;
  /** INSERTs at once at most; default 2. */
  concurrency?: number;
  /** Deliveries per merge transaction at most; default 256. */
  maxMergeBatch?: number;
  /** Deliveries a second (over the last second) above which statements are spaced; default 500. */
  busyRate?: number;
  /** Milliseconds between the starts of two INSERTs at least, when busy; default 10. */
  storeSpacingMs?: number;
  /** Milliseconds between the starts of two merge transactions at least, when busy; default 50. */
  mergeSpacingMs?: number;
  /**
   * The size of the stored deliveries waiting for their merge at most (their bodies' lengths, in
   * characters); beyond, the recovery job merges them. Default 64 Mi.
   */
  mergeCapacityBytes?: number;
}

export interface IngestQueue {
  /**
   * Stores the delivery; resolves to its event id once committed (its merge follows). Rejects with
   * a 401 when no organization has the token (nothing stored).
   */
  submit(webhook: CheckedWebhook): Promise<string>;
  /**
   * Waits (up to `timeoutMs`) for the deliveries already submitted to be stored and merged; later
   * ones are stored unmerged, and so are those still waiting for their merge at the timeout.
   */
  close(timeoutMs?: number): Promise<void>;
}

interface Pending {
  webhook: CheckedWebhook;
  /** Submitted while the queue closes: stored, and left unmerged to the recovery job. */
  late: boolean;
  resolve(id: string): void;
  reject(err: unknown): void;
}

/** A stored delivery waiting for its merge, with the size of its body. */
interface Unmerged {
  delivery: StoredDelivery;
  bytes: number;
}

export function createIngestQueue(ctx: AppContext, options: IngestQueueOptions = {}): IngestQueue {
  const orgs: OrganizationCache = new Map();
  const outbox = createPollOutbox(ctx);
  const mergeCapacityBytes = options.mergeCapacityBytes ?? 64 * 1024 * 1024;
  const arrivals = createRateMeter();
  const busyRate = options.busyRate ?? 500;
  const storeSpacingMs = options.storeSpacingMs ?? 10;
  const mergeSpacingMs = options.mergeSpacingMs ?? 50;
  const busy = () => arrivals.perSecond() > busyRate;
  const merges = createBatchLoop<Unmerged>({
    concurrency: 1,
    maxBatch: options.maxMergeBatch ?? 256,
    spacingMs: () => (busy() ? mergeSpacingMs : 0),
    weigh: (item) => item.bytes,
    async run(batch) {
      const merged = await mergeStored(
        ctx,
        batch.map((item) => item.delivery),
      );
      publishOutcomes(ctx, merged.outcomes);
      outbox.add(merged.polls);
    },
    failed(err) {
      // mergeStored never throws; publishing a bug's victim must not stop the loop. The deliveries
      // stay stored, and whatever was not merged is merged by the recovery job.
      ctx.log.error({ err }, 'ingest queue: publishing a merge failed unexpectedly');
    },
  });
  const stores = createBatchLoop<Pending>({
    concurrency: options.concurrency ?? 2,
    maxBatch: options.maxBatch ?? 64,
    spacingMs: () => (busy() ? storeSpacingMs : 0),
    async run(batch) {
      const stored = await storeBatch(ctx, orgs, batch);
      if (stored.length === 0) return;
      const bytes = stored.reduce((sum, item) => sum + item.bytes, 0);
      if (merges.weight() + bytes > mergeCapacityBytes) {
        ctx.log.warn(
          { waiting: merges.size(), deliveries: stored.length },
          'too many deliveries wait for their merge: these are left to the recovery job',
        );
        return;
      }
      merges.push(stored);
    },
    failed(err, batch) {
      // storeBatch answers every request itself; this is a last resort against a bug.
      ctx.log.error({ err }, 'ingest queue: a batch failed unexpectedly');
      batch.forEach((pending) => pending.reject(err));
    },
  });
  let closing = false;

  return {
    submit(webhook) {
      arrivals.mark();
      return new Promise<string>((resolve, reject) =>
        stores.push([{ webhook, late: closing, resolve, reject }]),
      );
    },
    async close(timeoutMs = 10_000) {
      closing = true;
      let timer: NodeJS.Timeout | undefined;
      const done = await Promise.race([
        stores.idle().then(() => merges.idle().then(() => true)),
        new Promise<false>((resolve) => {
          timer = setTimeout(() => resolve(false), timeoutMs);
          timer.unref();
        }),
      ]);
      clearTimeout(timer);
      // Out of time: what still waits for its merge is stored, and left to the recovery job.
      if (!done) merges.clear();
      await outbox.flush();
    },
  };
}

/**
 * Items handled in batches by up to `concurrency` loops: each loop takes what accumulated while the
 * batches before it ran (up to `maxBatch`); the first one lets the items of this turn join it. Two
 * batches start at least `spacingMs()` apart, whichever loops run them, unless `maxBatch` items wait.
 */
interface BatchLoop<T> {
  push(items: T[]): void;
  /** Items waiting, not yet taken by a loop. */
  size(): number;
  /** The weight of the items waiting (`weigh`). */
  weight(): number;
  /** Drops the items waiting. */
  clear(): void;
  /** Resolves once nothing waits and no loop runs. */
  idle(): Promise<void>;
}

interface BatchLoopOptions<T> {
  concurrency: number;
  maxBatch: number;
  /** Milliseconds between the starts of two batches at least, as of now. */
  spacingMs(): number;
  weigh?: (item: T) => number;
  run(batch: T[]): Promise<void>;
  /** Called when `run` throws (a bug); the loop goes on with the next batch. */
  failed(err: unknown, batch: T[]): void;
}

function createBatchLoop<T>(options: BatchLoopOptions<T>): BatchLoop<T> {
  const concurrency = Math.max(1, options.concurrency);
  const maxBatch = Math.max(1, options.maxBatch);
  const weigh = options.weigh ?? (() => 0);
  let waiting: T[] = [];
  let weight = 0;
  /** When the last batch started (`performance.now()`). */
  let lastStartAt = -Infinity;
  /** Loops waiting for the spacing to pass: woken early when a full batch waits, or on `clear()`. */
  const sleepers = new Set<() => void>();
  const wake = () => sleepers.forEach((resolve) => resolve());
  const running = new Set<Promise<void>>();
  /** Loops running; counted down in the same step that finds nothing waiting. */
  let active = 0;
  async function drain(): Promise<void> {
    try {
      await new Promise((resolve) => setImmediate(resolve));
      while (waiting.length > 0) {
        // The spacing as of now: when the load has just dropped, nothing waits out a spacing it no
        // longer needs.
        const early = lastStartAt + options.spacingMs() - performance.now();
        if (early > 0 && waiting.length < maxBatch) {
          // Another loop may start meanwhile, or take every item: look again.
          await new Promise<void>((resolve) => {
            const done = () => {
              clearTimeout(timer);
              sleepers.delete(done);
              resolve();
            };
            const timer = setTimeout(done, early);
            sleepers.add(done);
          });
          continue;
        }
        lastStartAt = performance.now();
        const batch = waiting.splice(0, maxBatch);
        for (const item of batch) weight -= weigh(item);
        try {
          await options.run(batch);
        } catch (err) {
          options.failed(err, batch);
        }
      }
    } finally {
      active -= 1;
    }
  }
  return {
    push(items) {
      waiting.push(...items);
      for (const item of items) weight += weigh(item);
      if (waiting.length >= maxBatch) wake();
      if (active < concurrency) {
        active += 1;
        const loop = drain().finally(() => running.delete(loop));
        running.add(loop);
      }
    },
    size: () => waiting.length,
    weight: () => weight,
    clear() {
      waiting = [];
      weight = 0;
      wake();
    },
    async idle() {
      while (running.size > 0) await Promise.all(running);
    },
  };
}

/**
 * Events a second, over the last second: this second's count so far, plus the last second's count
 * in proportion to the part of the last second still inside the window (a sliding window, in two
 * counters).
 */
function createRateMeter() {
  let second = Math.floor(performance.now() / 1000);
  let current = 0;
  let previous = 0;
  const roll = (now: number) => {
    const at = Math.floor(now / 1000);
    if (at === second) return;
    previous = at === second + 1 ? current : 0;
    current = 0;
    second = at;
  };
  return {
    mark() {
      roll(performance.now());
      current += 1;
    },
    perSecond() {
      const now = performance.now();
      roll(now);
      return current + previous * (1 - (now / 1000 - second));
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
 * One batch stored, each request answered: 202 with its event id, 401 (nothing stored), or the error
 * that kept it from being stored; when the batch's first INSERT fails, each delivery is tried on its
 * own. Returns the deliveries stored, to merge (not those submitted while the queue closes). Never
 * throws.
 */
async function storeBatch(ctx: AppContext, orgs: OrganizationCache, batch: Pending[]): Promise<Unmerged[]> {
  let stored: StoreResult[];
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
    // Nothing of the batch was stored.
    if (batch.length > 1) {
      const unmerged: Unmerged[] = [];
      for (const pending of batch) unmerged.push(...(await storeBatch(ctx, orgs, [pending])));
      return unmerged;
    }
    ctx.log.error({ err }, 'storing a webhook delivery failed');
    batch[0]!.reject(err);
    return [];
  }
  const unmerged: Unmerged[] = [];
  let acknowledged = 0;
  batch.forEach((pending, i) => {
    const result = stored[i]!;
    if (result === null) return pending.reject(refusal(ctx, pending.webhook.ip, 'bad_token'));
    if (result instanceof Error) {
      ctx.log.error({ err: result }, 'storing a webhook delivery failed');
      return pending.reject(result);
    }
    pending.resolve(result.id);
    acknowledged += 1;
    // Submitted while the queue closes: left to the recovery job (the next start merges it).
    if (!pending.late) unmerged.push({ delivery: result, bytes: pending.webhook.rawBody.length });
  });
  ctx.metrics.webhookDeliveries.inc({ source: 'webhook' }, acknowledged);
  return unmerged;
}

/** A delivery stored; null: no organization holds its token (nothing stored); an Error: not stored. */
type StoreResult = StoredDelivery | null | Error;

/**
 * Stores the deliveries whose organization holds their token. Throws when nothing was stored; once
 * some were, a later failure is the result of the deliveries it kept from being stored.
 */
async function storeEvents(
  ctx: AppContext,
  orgs: OrganizationCache,
  webhooks: CheckedWebhook[],
): Promise<StoreResult[]> {
  const stored: StoreResult[] = webhooks.map(() => null);
  let todo = webhooks.map((_, i) => i);
  // A second pass for the deliveries whose cached organization no longer holds their token.
  for (let pass = 0; pass < 2 && todo.length > 0; pass += 1) {
    try {
      todo = await storePass(ctx, orgs, webhooks, todo, stored);
    } catch (err) {
      if (pass === 0) throw err;
      for (const i of todo) stored[i] = err instanceof Error ? err : new Error(String(err));
      break;
    }
  }
  return stored;
}

/**
 * One INSERT for the deliveries `todo` (indexes into `webhooks`) whose token's organization is known;
 * records each one stored in `stored`, and returns those the INSERT left out (the organization no
 * longer holds the token: its cache entry is dropped, for a fresh lookup).
 */
async function storePass(
  ctx: AppContext,
  orgs: OrganizationCache,
  webhooks: CheckedWebhook[],
  todo: number[],
  stored: StoreResult[],
): Promise<number[]> {
  await lookUpOrganizations(
    ctx,
    orgs,
    todo.map((i) => webhooks[i]!.tokenHash),
  );
  const candidates = todo.filter((i) => orgs.has(webhooks[i]!.tokenHash));
  if (candidates.length === 0) return [];
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
  const left: number[] = [];
  candidates.forEach((i, k) => {
    if (inserted.has(deliveries[k]!.id)) stored[i] = deliveries[k]!;
    else {
      orgs.delete(webhooks[i]!.tokenHash);
      left.push(i);
    }
  });
  return left;
}

/** Reads the organizations of the token digests not cached. */
async function lookUpOrganizations(
  ctx: AppContext,
  orgs: OrganizationCache,
  hashes: string[],
): Promise<void> {
  const unknown = [...new Set(hashes)].filter((hash) => !orgs.has(hash));
  if (unknown.length === 0) return;
  const rows = await ctx.db
    .select({ id: organizations.id, tokenHash: organizations.webhookTokenHash })
    .from(organizations)
    .where(inArray(organizations.webhookTokenHash, unknown));
  if (orgs.size + rows.length > MAX_CACHED_ORGANIZATIONS) orgs.clear();
  for (const row of rows) orgs.set(row.tokenHash, row.id);
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
