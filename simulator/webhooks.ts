import http from 'node:http';
import https from 'node:https';
import type { SimulatorKnobs } from './knobs.js';
import type { Rng } from './random.js';
import type { Timers } from './timers.js';

/**
 * Webhook delivery the way Bolna does it (bare execution object, JSON POST, one per status change, retried
 * on failure), plus the faults real deliveries show: drops, duplicates and reordering, each drawn from the
 * `delivery` random stream so they never change what the calls contain.
 */

/** One line of the delivery log (`GET /__sim/deliveries`). */
export interface DeliveryRecord {
  executionId: string;
  /** The status the delivered snapshot carries. */
  status: string;
  url: string | null;
  /** 1 for the first try, 2+ for retries. */
  attempt: number;
  /** 1 normally, 2 for the duplicate copy. */
  copy: number;
  /** delivered = 2xx; failed = non-2xx or error; dropped = deliberately not sent; skipped = no webhook URL. */
  outcome: 'delivered' | 'failed' | 'dropped' | 'skipped';
  httpStatus: number | null;
  error: string | null;
  at: string;
}

const MAX_LOG = 20_000;

/** Sends webhooks and keeps their log. */
export class WebhookDispatcher {
  readonly log: DeliveryRecord[] = [];
  private inFlight = 0;
  private readonly requests = new Set<http.ClientRequest>();
  private readonly chains = new Map<string, Promise<void>>();
  /** Bumped by `reset`: deliveries of an older generation stop quietly. */
  private generation = 0;

  constructor(
    private readonly knobs: () => SimulatorKnobs,
    private readonly rng: () => Rng,
    private readonly timers: Timers,
  ) {}

  /** Deliveries scheduled, in flight or waiting to retry. */
  get pending(): number {
    return this.inFlight;
  }

  /**
   * Queues the webhook for one status change. Without reordering, deliveries of one execution go out one
   * after the other (retries included) so they arrive in order; with reordering each copy waits a random
   * hold first and may overtake the others.
   */
  emit(executionId: string, status: string, url: string | null, body: unknown): void {
    const knobs = this.knobs();
    const rng = this.rng();
    if (!url) {
      this.record({
        executionId,
        status,
        url,
        attempt: 0,
        copy: 1,
        outcome: 'skipped',
        httpStatus: null,
        error: 'agent has no webhook_url',
      });
      return;
    }
    if (rng.chance(knobs.webhookDropRate)) {
      this.record({
        executionId,
        status,
        url,
        attempt: 0,
        copy: 1,
        outcome: 'dropped',
        httpStatus: null,
        error: null,
      });
      return;
    }
    const payload = JSON.stringify(body);
    const copies = rng.chance(knobs.webhookDuplicateRate) ? 2 : 1;
    const generation = this.generation;
    for (let copy = 1; copy <= copies; copy += 1) {
      this.inFlight += 1;
      const done = () => {
        if (generation === this.generation) this.inFlight -= 1;
      };
      if (knobs.webhookReorder) {
        const hold = rng.next() * knobs.webhookReorderWindowMs * knobs.timeScale;
        const timer = this.timers.after(hold, () => {
          void this.deliver(executionId, status, url, payload, copy, generation).finally(done);
        });
        if (!timer) done();
      } else {
        const previous = this.chains.get(executionId) ?? Promise.resolve();
        const next = previous
          .then(() => this.deliver(executionId, status, url, payload, copy, generation))
          .finally(done);
        this.chains.set(executionId, next);
        void next.then(() => {
          if (this.chains.get(executionId) === next) this.chains.delete(executionId);
        });
      }
    }
  }

  /** Abandons every pending delivery and forgets the log (the timers are cleared by the caller). */
  reset(): void {
    this.generation += 1;
    this.inFlight = 0;
    this.chains.clear();
    this.log.length = 0;
    this.abortAll();
  }

  /** Aborts every request in flight; pending retries stop because the timers are closed. */
  close(): void {
    this.generation += 1;
    this.abortAll();
  }

  private abortAll(): void {
    for (const req of this.requests) req.destroy(new Error('simulator closed'));
    this.requests.clear();
  }

  private async deliver(
    executionId: string,
    status: string,
    url: string,
    payload: string,
    copy: number,
    generation: number,
  ) {
    const { webhookMaxAttempts, webhookTimeoutMs } = this.knobs();
    const stale = () => this.timers.isClosed || generation !== this.generation;
    for (let attempt = 1; attempt <= webhookMaxAttempts; attempt += 1) {
      if (stale()) return;
      const result = await this.post(url, payload, webhookTimeoutMs);
      if (stale()) return;
      const ok = result.status !== null && result.status >= 200 && result.status < 300;
      this.record({
        executionId,
        status,
        url,
        attempt,
        copy,
        outcome: ok ? 'delivered' : 'failed',
        httpStatus: result.status,
        error: result.error,
      });
      if (ok) return;
      if (attempt < webhookMaxAttempts)
        await this.timers.sleep(1000 * 2 ** (attempt - 1) * this.knobs().timeScale);
    }
  }

  /** One POST; redirects count as failures (like Bolna), the body is drained and ignored. */
  private post(
    url: string,
    payload: string,
    timeoutMs: number,
  ): Promise<{ status: number | null; error: string | null }> {
    return new Promise((resolve) => {
      let target: URL;
      try {
        target = new URL(url);
      } catch {
        resolve({ status: null, error: `invalid webhook URL: ${url}` });
        return;
      }
      const transport = target.protocol === 'https:' ? https : http;
      const req = transport.request(
        target,
        {
          method: 'POST',
          agent: false,
          headers: {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(payload),
            'user-agent': 'automitra-bolna-simulator/1',
            connection: 'close',
          },
          timeout: timeoutMs,
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve({ status: res.statusCode ?? null, error: null }));
          res.on('error', (err) => resolve({ status: res.statusCode ?? null, error: err.message }));
        },
      );
      this.requests.add(req);
      req.on('close', () => this.requests.delete(req));
      req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
      req.on('error', (err) => resolve({ status: null, error: err.message }));
      req.end(payload);
    });
  }

  private record(entry: Omit<DeliveryRecord, 'at'>): void {
    this.log.push({ ...entry, at: new Date().toISOString() });
    if (this.log.length > MAX_LOG) this.log.splice(0, this.log.length - MAX_LOG);
  }
}
