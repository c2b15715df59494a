/**
 * Starts the load generator (`load-worker.ts`) in a child process and runs loads through it. On a
 * small machine the generator still competes for the same cores, but not for the servers' event loop.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** Where to send deliveries: a path per target; targets are used round robin, one call each. */
export interface LoadTarget {
  /** The provider agent id written into the bodies (`agent_id`). */
  agentId: string;
  /** Path and query string, e.g. `/api/webhooks/bolna/call-status?token=…`. */
  path: string;
}

export interface LoadRequest {
  /** `max`: autocannon closed loop (with `rate`: autocannon's overallRate); `paced`: open loop at `rate`. */
  mode: 'max' | 'paced';
  baseUrl: string;
  targets: LoadTarget[];
  connections: number;
  durationS: number;
  /** Deliveries per second (paced: required; max: autocannon overallRate). */
  rate?: number;
  /** Paced: an answer slower than this (ms) counts as slow (`LoadResult.slow`). */
  slowMs: number;
  /** Payload templates: how many distinct call lifecycles, from which seed. */
  templates: number;
  seed: number;
}

export interface LoadResult {
  mode: LoadRequest['mode'];
  durationS: number;
  sent: number;
  completed: number;
  /** 2xx answers. */
  ok: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  statusCodes: Record<string, number>;
  /** 2xx answers per second over the run. */
  perSecond: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number; mean: number };
  /** CPU time the load generator itself used (user + system). */
  loadCpuMs: number;
  /**
   * Paced: how late a due request went out, at worst: the generator's own lag, or every connection
   * busy waiting for an answer.
   */
  behindMs: number;
  /** Paced: requests that went out more than `LATE_SEND_MS` after they were due. */
  lateSends: number;
  /**
   * Paced: the answers slower than `slowMs` (2xx), and in how many windows of `SLOW_WINDOW_MS`
   * (by due time) they fell, with the most in one window; null for autocannon.
   */
  slow: { count: number; windows: number; worstWindow: number } | null;
}

/** A paced request sent this much after its due time counts as late (`lateSends`). */
export const LATE_SEND_MS = 20;

/** Slow answers are grouped by windows of this length (by due time). */
export const SLOW_WINDOW_MS = 100;

export type WorkerMessage =
  | { type: 'run'; id: number; request: LoadRequest }
  | { type: 'ready' }
  | { type: 'done'; id: number; result: LoadResult }
  | { type: 'error'; id: number; message: string };

export interface LoadGenerator {
  readonly pid: number;
  run(request: LoadRequest): Promise<LoadResult>;
  close(): Promise<void>;
}

/** Forks the load generator with the same TypeScript loader as this process (tsx). */
export async function startLoadGenerator(): Promise<LoadGenerator> {
  const file = fileURLToPath(new URL('./load-worker.ts', import.meta.url));
  const execArgv = process.execArgv.some((arg) => arg.includes('tsx'))
    ? process.execArgv
    : [...process.execArgv, '--import', 'tsx'];
  const child: ChildProcess = fork(file, [], { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const waiting = new Map<number, { resolve: (r: LoadResult) => void; reject: (e: Error) => void }>();
  let exited: Error | undefined;
  child.on('exit', (code, signal) => {
    exited = new Error(`the load generator exited (code ${code}, signal ${signal})`);
    for (const { reject } of waiting.values()) reject(exited);
    waiting.clear();
  });
  await new Promise<void>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', () => reject(exited));
    child.on('message', (message: WorkerMessage) => {
      if (message.type === 'ready') resolve();
      else if (message.type === 'done') waiting.get(message.id)?.resolve(message.result);
      else if (message.type === 'error') waiting.get(message.id)?.reject(new Error(message.message));
      if (message.type === 'done' || message.type === 'error') waiting.delete(message.id);
    });
  });
  let ids = 0;
  return {
    pid: child.pid!,
    run(request) {
      if (exited) return Promise.reject(exited);
      const id = ++ids;
      return new Promise((resolve, reject) => {
        waiting.set(id, { resolve, reject });
        child.send({ type: 'run', id, request } satisfies WorkerMessage);
      });
    },
    async close() {
      if (exited || child.exitCode !== null) return;
      const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      await gone;
    },
  };
}
