/**
 * The load of `npm run bench:realtime` and its bookkeeping: a steady stream of Bolna webhook
 * deliveries over keep-alive HTTP, and a tracker that matches every event the Socket.IO clients
 * receive to the delivery that caused it (by `providerCallId` + `status`), per client.
 *
 * The stream is open loop: delivery i is due at start + i / rate whatever happened before, and its
 * latencies are counted from that due time (a slow answer delays nothing and hides nothing). It is
 * spread over `lanes` = rate × gap calls in flight: lane i mod lanes gets delivery i, and each lane
 * walks one call's lifecycle (the realistic bodies of `payloads.ts`: initiated → ringing →
 * in-progress → call-disconnected → completed, a duplicate `completed` for rejected calls), so the
 * deliveries of one call are `gap` apart, in order, as Bolna sends them. Lane j starts its first call
 * at step j mod 5, so every second carries the same mix of creations, updates and completions. Calls
 * go to the organizations round robin; every call has a fresh execution id, unknown to the platform,
 * of that organization's agent: its first delivery creates it (`call:created`), each later delivery
 * with a new status updates it (`call:updated`), a duplicate changes nothing (no event expected).
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { mapExecution } from '../../server/providers/bolna/index.js';
import type { ClientSpec, FleetEvent } from './realtime-clients.js';
import { buildCallTemplates, LIFECYCLE, renderDelivery, type CallTemplate } from './payloads.js';

export interface StreamTarget {
  orgId: string;
  orgIndex: number;
  /** The Bolna agent id written into the bodies. */
  agentId: string;
  /** Path and query string of the receiver. */
  path: string;
}

export interface PreparedTemplate {
  template: CallTemplate;
  /** Our status after each delivery (mapped as the platform maps it). */
  statuses: string[];
}

/** `count` realistic call lifecycles from `seed`, with the status each delivery carries. */
export function prepareTemplates(count: number, seed: number): PreparedTemplate[] {
  return buildCallTemplates(count, seed).map((template) => ({
    template,
    statuses: LIFECYCLE.map((_, step) => {
      const status = mapExecution(JSON.parse(renderDelivery(template, step, 'execution', 'agent'))).status;
      if (!status) throw new Error(`template step ${step} has no known status`);
      return status;
    }),
  }));
}

/** One expected client event: the delivery that should cause it, and what the clients saw. */
interface Expected {
  orgId: string;
  event: 'call:created' | 'call:updated';
  /** When the delivery was due, sent, and answered (performance.now(); NaN until then). */
  due: number;
  ack: number;
  /** Arrival time at each client of the organization (NaN until then). */
  receipts: Float64Array;
  count: number;
  /** Size of the event's payload as JSON (measured once, at the first client). */
  bytes: number;
}

const key = (providerCallId: string, status: string) => `${providerCallId}|${status}`;

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index]!;
}

export interface Distribution {
  count: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
}

export function distribution(values: ArrayLike<number>): Distribution {
  const sorted = Float64Array.from(values).sort();
  let sum = 0;
  for (const v of sorted) sum += v;
  return {
    count: sorted.length,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    max: sorted.length ? sorted[sorted.length - 1]! : NaN,
    mean: sorted.length ? sum / sorted.length : NaN,
  };
}

/** Matches client events to deliveries; one per measured interval. */
export class Tracker {
  private readonly expected = new Map<string, Expected>();
  /** Client events expected so far (clients per organization × expected events) and received. */
  expectedEvents = 0;
  received = 0;
  /** The same event again at the same client (e.g. a later poll repeating a status). */
  repeats = 0;
  /** Call events not caused by a delivery of this interval. */
  unknown = 0;
  /** Events whose organization is not the client's (a tenant leak; must stay 0). */
  leaks = 0;
  /** `call:updated` where `call:created` was expected, or the reverse. */
  wrongEvent = 0;
  metrics = 0;
  /** Size of a `metrics:updated` payload as JSON (mean over one event in 50). */
  private metricsBytes = { sum: 0, n: 0 };

  constructor(readonly clientsPerOrg: number) {}

  expect(providerCallId: string, status: string, orgId: string, event: Expected['event'], due: number): void {
    this.expected.set(key(providerCallId, status), {
      orgId,
      event,
      due,
      ack: NaN,
      receipts: new Float64Array(this.clientsPerOrg).fill(NaN),
      count: 0,
      bytes: 0,
    });
    this.expectedEvents += this.clientsPerOrg;
  }

  ack(providerCallId: string, status: string, at: number): void {
    const entry = this.expected.get(key(providerCallId, status));
    if (entry) entry.ack = at;
  }

  onEvent(spec: ClientSpec, event: FleetEvent): void {
    if (event.kind === 'metrics') {
      if (this.metrics % 50 === 0) {
        this.metricsBytes.sum += Buffer.byteLength(
          JSON.stringify({ organizationId: event.organizationId, metrics: event.metrics }),
        );
        this.metricsBytes.n += 1;
      }
      this.metrics += 1;
      if (event.organizationId !== spec.orgId) this.leaks += 1;
      return;
    }
    const { call } = event;
    if (call.organizationId !== spec.orgId) {
      this.leaks += 1;
      return;
    }
    const entry = call.providerCallId ? this.expected.get(key(call.providerCallId, call.status)) : undefined;
    if (!entry || entry.orgId !== spec.orgId) {
      this.unknown += 1;
      return;
    }
    if (!Number.isNaN(entry.receipts[spec.slot]!)) {
      this.repeats += 1;
      return;
    }
    if (event.name !== entry.event) this.wrongEvent += 1;
    entry.receipts[spec.slot] = event.receivedAt;
    if (entry.count === 0) entry.bytes = Buffer.byteLength(JSON.stringify({ call }));
    entry.count += 1;
    this.received += 1;
  }

  get missed(): number {
    return this.expectedEvents - this.received;
  }

  /** Waits until every expected event arrived, or `timeoutMs` passed. */
  async drain(timeoutMs: number): Promise<boolean> {
    const until = performance.now() + timeoutMs;
    while (this.missed > 0 && performance.now() < until) await new Promise((r) => setTimeout(r, 20));
    return this.missed === 0;
  }

  /**
   * With the server's emit times (`providerCallId|status` → ms since the epoch, from the probe): the
   * latency split into "due → emit" (in the server, per delivery) and "emit → client" (per client event).
   */
  decompose(emittedAt: Map<string, number>) {
    const toEmit: number[] = [];
    const toClient: number[] = [];
    const origin = performance.timeOrigin;
    for (const [k, entry] of this.expected) {
      const at = emittedAt.get(k);
      if (at === undefined) continue;
      toEmit.push(at - (origin + entry.due));
      for (const receipt of entry.receipts) if (!Number.isNaN(receipt)) toClient.push(origin + receipt - at);
    }
    return { toEmit: distribution(toEmit), toClient: distribution(toClient) };
  }

  /** Latencies over every received client event, and per delivery. */
  summary() {
    const fromSend: number[] = [];
    const fromAck: number[] = [];
    const spread: number[] = [];
    const firstClient: number[] = [];
    let bytes = 0;
    let measured = 0;
    for (const entry of this.expected.values()) {
      let first = Infinity;
      let last = -Infinity;
      for (const at of entry.receipts) {
        if (Number.isNaN(at)) continue;
        fromSend.push(at - entry.due);
        if (!Number.isNaN(entry.ack)) fromAck.push(at - entry.ack);
        first = Math.min(first, at);
        last = Math.max(last, at);
      }
      if (entry.count > 0) {
        firstClient.push(first - entry.due);
        if (entry.count === this.clientsPerOrg) spread.push(last - first);
        bytes += entry.bytes;
        measured += 1;
      }
    }
    return {
      /** Delivery due → event at a client, every client event. */
      fromSend: distribution(fromSend),
      /** The delivery's 202 (as the sender saw it) → event at a client. */
      fromAck: distribution(fromAck),
      /** Delivery due → the first client of the organization. */
      firstClient: distribution(firstClient),
      /** First → last client of the organization, per event (the fan-out's own spread). */
      spread: distribution(spread),
      meanPayloadBytes: measured ? bytes / measured : NaN,
      meanMetricsBytes: this.metricsBytes.n ? this.metricsBytes.sum / this.metricsBytes.n : NaN,
      deliveriesWithEvents: this.expected.size,
    };
  }
}

export interface StreamOptions {
  baseUrl: string;
  targets: StreamTarget[];
  templates: PreparedTemplate[];
  /** Deliveries per second, for `durationS`; a call's deliveries `gapMs` apart. */
  rate: number;
  durationS: number;
  gapMs: number;
  /** Keep-alive HTTP connections at most. */
  connections: number;
  tracker: Tracker;
  /** Numbers calls across streams, so each stream starts where the last one stopped. */
  counter: { calls: number };
}

export interface StreamResult {
  deliveries: number;
  /** 2xx answers, other answers, transport errors. */
  ok: number;
  non2xx: number;
  statusCodes: Record<string, number>;
  errors: number;
  calls: number;
  lanes: number;
  /** Due → 202 at the sender. */
  answer: Distribution;
  /** How late the sender itself was at worst in sending a due delivery (its own event-loop lag). */
  behindMs: number;
  elapsedS: number;
}

interface Lane {
  call: { id: string; target: StreamTarget; prepared: PreparedTemplate } | null;
  step: number;
  last: string | null;
}

/** Sends the stream; resolves when every delivery has its answer. */
export async function runStream(options: StreamOptions): Promise<StreamResult> {
  const { rate, tracker, counter } = options;
  const base = new URL(options.baseUrl);
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.connections });
  const total = Math.max(1, Math.floor(rate * options.durationS));
  const laneCount = Math.max(1, Math.min(total, Math.round((rate * options.gapMs) / 1000)));
  const steps = LIFECYCLE.length;
  const lanes: Lane[] = Array.from({ length: laneCount }, (_, j) => ({
    call: null,
    step: j % steps,
    last: null,
  }));
  const answers = new Float64Array(total);
  const statusCodes: Record<string, number> = {};
  let answered = 0;
  let ok = 0;
  let non2xx = 0;
  let errors = 0;
  let calls = 0;
  let behindMs = 0;
  const start = performance.now() + 10;
  const dueAt = (i: number) => start + (i * 1000) / rate;

  await new Promise<void>((resolve) => {
    let finished = 0;
    const done = () => {
      finished += 1;
      if (finished === total) resolve();
    };
    const send = (i: number, due: number) => {
      const lane = lanes[i % laneCount]!;
      if (!lane.call || lane.step >= steps) {
        const n = counter.calls++;
        calls += 1;
        lane.call = {
          id: randomUUID(),
          target: options.targets[n % options.targets.length]!,
          prepared: options.templates[n % options.templates.length]!,
        };
        if (lane.step >= steps) lane.step = 0;
        lane.last = null;
      }
      const { id, target, prepared } = lane.call;
      const step = lane.step;
      const status = prepared.statuses[step]!;
      const body = renderDelivery(prepared.template, step, id, target.agentId);
      const expected = status !== lane.last;
      if (expected)
        tracker.expect(id, status, target.orgId, lane.last === null ? 'call:created' : 'call:updated', due);
      lane.last = status;
      lane.step += 1;
      const req = http.request(
        {
          host: base.hostname,
          port: base.port,
          method: 'POST',
          path: target.path,
          agent,
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        },
        (res) => {
          res.resume();
          res.on('end', () => {
            const at = performance.now();
            const code = res.statusCode ?? 0;
            statusCodes[code] = (statusCodes[code] ?? 0) + 1;
            if (code >= 200 && code < 300) {
              ok += 1;
              answers[answered++] = at - due;
              if (expected) tracker.ack(id, status, at);
            } else non2xx += 1;
            done();
          });
        },
      );
      req.on('error', () => {
        errors += 1;
        done();
      });
      req.end(body);
    };
    let next = 0;
    const dispatch = () => {
      const now = performance.now();
      while (next < total && dueAt(next) <= now) {
        behindMs = Math.max(behindMs, now - dueAt(next));
        send(next, dueAt(next));
        next += 1;
      }
      if (next < total) setTimeout(dispatch, Math.max(0, dueAt(next) - performance.now()));
    };
    setTimeout(dispatch, Math.max(0, start - performance.now()));
  });
  const elapsedS = (performance.now() - start) / 1000;
  agent.destroy();
  return {
    deliveries: total,
    ok,
    non2xx,
    statusCodes,
    errors,
    calls,
    lanes: laneCount,
    answer: distribution(answers.subarray(0, answered)),
    behindMs,
    elapsedS,
  };
}
