/**
 * The load generator, run as a child process (see `load.ts`) so that sending requests does not share
 * an event loop with the servers being measured. It answers `run` messages with a `LoadResult`.
 *
 * Every connection ("lane") walks one call's lifecycle in order, one delivery at a time, as Bolna
 * sends them (initiated → ringing → in-progress → call-disconnected → completed), then starts a
 * new call with a fresh execution id, so a run sends many different calls and never the same one twice.
 *
 * Two ways to load:
 * - `max`: autocannon, closed loop (each connection sends its next request as soon as the previous one
 *   is answered), optionally with autocannon's `overallRate` (which sends each connection's share of a
 *   second back to back, then pauses until the next second: bursts, not a steady rate).
 * - `paced`: open loop at a steady rate: request i is due at start + i/rate whatever happened before;
 *   it goes out on the next free connection, and its latency is counted from when it was due, so
 *   queueing behind a slow answer is measured (no coordinated omission). The requests go through an
 *   undici pool (one request at a time per connection), which costs the generator less CPU than
 *   node:http on a machine whose cores it shares with the servers.
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import autocannon from 'autocannon';
import { Pool } from 'undici';
import { buildCallTemplates, LIFECYCLE, renderDelivery, type CallTemplate } from './payloads.js';
import {
  LATE_SEND_MS,
  SLOW_WINDOW_MS,
  type LoadRequest,
  type LoadResult,
  type WorkerMessage,
} from './load.js';

interface Call {
  id: string;
  agentId: string;
  path: string;
  template: CallTemplate;
}

let templates: { seed: number; count: number; list: CallTemplate[] } | undefined;

function callFactory(request: LoadRequest): () => Call {
  if (!templates || templates.seed !== request.seed || templates.count !== request.templates) {
    templates = {
      seed: request.seed,
      count: request.templates,
      list: buildCallTemplates(request.templates, request.seed),
    };
  }
  const list = templates.list;
  let n = 0;
  return () => {
    const target = request.targets[n % request.targets.length]!;
    const template = list[n % list.length]!;
    n += 1;
    return { id: randomUUID(), agentId: target.agentId, path: target.path, template };
  };
}

const HEADERS = { 'content-type': 'application/json' };

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return 0;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index]!;
}

async function runAutocannon(request: LoadRequest): Promise<LoadResult> {
  const nextCall = callFactory(request);
  const requests = LIFECYCLE.map((_, step) => ({
    method: 'POST' as const,
    headers: HEADERS,
    setupRequest: (req: autocannon.Request, context: object) => {
      const lane = context as { call?: Call };
      if (step === 0 || !lane.call) lane.call = nextCall();
      const call = lane.call;
      return { ...req, path: call.path, body: renderDelivery(call.template, step, call.id, call.agentId) };
    },
  }));
  const cpu = process.cpuUsage();
  const result = await autocannon({
    url: request.baseUrl,
    connections: request.connections,
    duration: request.durationS,
    pipelining: 1,
    timeout: 30,
    requests,
    ...(request.rate ? { overallRate: Math.max(1, Math.round(request.rate)) } : {}),
  });
  const used = process.cpuUsage(cpu);
  const ok = result['2xx'];
  return {
    mode: request.mode,
    durationS: result.duration,
    sent: result.requests.sent,
    completed: result.requests.total,
    ok,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    statusCodes: Object.fromEntries(
      Object.entries(result.statusCodeStats ?? {}).map(([code, stat]) => [code, stat.count ?? 0]),
    ),
    perSecond: ok / result.duration,
    latencyMs: {
      p50: result.latency.p50,
      p90: result.latency.p90,
      p99: result.latency.p99,
      max: result.latency.max,
      mean: result.latency.average,
    },
    loadCpuMs: (used.user + used.system) / 1000,
    behindMs: 0,
    lateSends: 0,
    slow: null,
  };
}

/** Open loop at `request.rate` per second for `request.durationS`, latency from the due time. */
async function runPaced(request: LoadRequest): Promise<LoadResult> {
  const rate = request.rate ?? 0;
  if (rate <= 0) throw new Error('paced load needs a rate above 0');
  const nextCall = callFactory(request);
  const pool = new Pool(request.baseUrl, { connections: request.connections, pipelining: 1 });
  const total = Math.max(1, Math.floor(rate * request.durationS));
  const latencies = new Float64Array(total);
  const statusCodes: Record<string, number> = {};
  let recorded = 0;
  let ok = 0;
  let non2xx = 0;
  let errors = 0;
  let sent = 0;
  let behindMs = 0;
  let lateSends = 0;
  // Answers slower than request.slowMs, by the window of SLOW_WINDOW_MS they were due in: a few windows
  // full of them is a stall; many windows with a few each is a queue that is often long.
  const slowWindows = new Map<number, number>();
  const lanes = Array.from({ length: request.connections }, () => ({ call: null as Call | null, step: 0 }));
  const free = lanes.map((_, i) => i).reverse();
  const cpu = process.cpuUsage();
  const start = performance.now();
  const dueAt = (i: number) => start + (i * 1000) / rate;

  await new Promise<void>((resolve) => {
    let finished = 0;
    const done = () => {
      finished += 1;
      if (finished === total) resolve();
      else dispatch();
    };
    const send = (laneIndex: number, due: number) => {
      const lane = lanes[laneIndex]!;
      if (lane.step === 0 || !lane.call) lane.call = nextCall();
      const call = lane.call;
      const body = renderDelivery(call.template, lane.step, call.id, call.agentId);
      lane.step = (lane.step + 1) % LIFECYCLE.length;
      sent += 1;
      // The answer's status once its body is read; a failure of either is a connection error.
      const answer = async () => {
        const res = await pool.request({ method: 'POST', path: call.path, headers: HEADERS, body });
        await res.body.dump();
        return res.statusCode;
      };
      answer().then(
        (code) => {
          statusCodes[code] = (statusCodes[code] ?? 0) + 1;
          if (code >= 200 && code < 300) {
            ok += 1;
            const latency = performance.now() - due;
            latencies[recorded++] = latency;
            if (latency > request.slowMs) {
              const window = Math.floor((due - start) / SLOW_WINDOW_MS);
              slowWindows.set(window, (slowWindows.get(window) ?? 0) + 1);
            }
          } else non2xx += 1;
          free.push(laneIndex);
          done();
        },
        () => {
          errors += 1;
          free.push(laneIndex);
          done();
        },
      );
    };
    let next = 0;
    let timer: NodeJS.Timeout | undefined;
    const dispatch = () => {
      const now = performance.now();
      while (next < total && dueAt(next) <= now && free.length > 0) {
        const due = dueAt(next);
        behindMs = Math.max(behindMs, now - due);
        if (now - due > LATE_SEND_MS) lateSends += 1;
        send(free.pop()!, due);
        next += 1;
      }
      // Sleep until the next request is due; when it is due already but every connection is busy,
      // the next answer calls dispatch() again.
      if (next < total && !timer && dueAt(next) > now) {
        const wait = dueAt(next) - now;
        timer = setTimeout(() => {
          timer = undefined;
          dispatch();
        }, wait);
      }
    };
    dispatch();
  });
  const elapsedS = (performance.now() - start) / 1000;
  await pool.close();
  const used = process.cpuUsage(cpu);
  const sorted = latencies.subarray(0, recorded).sort();
  return {
    mode: request.mode,
    durationS: elapsedS,
    sent,
    completed: ok + non2xx,
    ok,
    non2xx,
    errors,
    timeouts: 0,
    statusCodes,
    perSecond: ok / elapsedS,
    latencyMs: {
      p50: percentile(sorted, 50),
      p90: percentile(sorted, 90),
      p99: percentile(sorted, 99),
      max: sorted.length ? sorted[sorted.length - 1]! : 0,
      mean: sorted.length ? sorted.reduce((a, b) => a + b, 0) / sorted.length : 0,
    },
    loadCpuMs: (used.user + used.system) / 1000,
    behindMs,
    lateSends,
    slow: {
      count: [...slowWindows.values()].reduce((a, b) => a + b, 0),
      windows: slowWindows.size,
      worstWindow: Math.max(0, ...slowWindows.values()),
    },
  };
}

process.on('message', (message: WorkerMessage) => {
  if (message.type !== 'run') return;
  const run = message.request.mode === 'paced' ? runPaced : runAutocannon;
  run(message.request).then(
    (result) => process.send!({ type: 'done', id: message.id, result }),
    (err: Error) => process.send!({ type: 'error', id: message.id, message: err.stack ?? err.message }),
  );
});
process.send!({ type: 'ready' });
