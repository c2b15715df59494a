/**
 * Starts the server of `npm run bench:realtime` (`realtime-server.ts`: the platform or the bare
 * Socket.IO baseline) in a child process with `--expose-gc`, and talks to it over IPC.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ProbeReport } from './realtime-probe.js';

export const BASELINE_REALTIME_PATH = '/bench/realtime-baseline';

export type ServerMode = 'platform' | 'baseline';

export type ServerRequest =
  | { id: number; type: 'memory' }
  | { id: number; type: 'mark' }
  | { id: number; type: 'stats' }
  | { id: number; type: 'probe' }
  | { id: number; type: 'close' };

export interface ServerMemory {
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  arrayBuffers: number;
  /** Whether a full GC ran before the reading (`--expose-gc`). */
  gc: boolean;
}

export interface ServerStats {
  /** CPU time (user + system) since the last `mark`, in ms, and the wall time it covers. */
  cpuMs: number;
  wallMs: number;
  /** Event-loop delay since the last `mark` (ms). */
  loopDelay: { p50: number; p99: number; max: number };
  /** Sockets connected right now as the server counts them (baseline only; -1 on the platform). */
  sockets: number;
}

export type ServerMessage =
  | { type: 'ready'; url: string; mode: ServerMode; pid: number }
  | { type: 'failed'; message: string }
  | { type: 'reply'; id: number; result?: unknown; error?: string };

export interface ServerProcess {
  readonly mode: ServerMode;
  readonly url: string;
  readonly pid: number;
  /** Memory of the server process, after a full GC when `--expose-gc` took. */
  memory(): Promise<ServerMemory>;
  /** Starts a measurement interval (CPU time, event-loop delay). */
  mark(): Promise<void>;
  /** What happened since the last `mark`. */
  stats(): Promise<ServerStats>;
  /** What the probe recorded since the last `mark` (platform with BENCH_PROBE=1; null otherwise). */
  probe(): Promise<ProbeReport | null>;
  /** Closes the server gracefully and waits for the process to exit (kills it after `timeoutMs`). */
  close(timeoutMs?: number): Promise<void>;
}

/**
 * Forks `realtime-server.ts <mode>` with `--expose-gc` and the TypeScript loader (tsx), with `env` as
 * its environment, and resolves once it listens.
 */
export async function startServerProcess(
  mode: ServerMode,
  env: Record<string, string | undefined>,
): Promise<ServerProcess> {
  const file = fileURLToPath(new URL('./realtime-server.ts', import.meta.url));
  const loader = process.execArgv.some((arg) => arg.includes('tsx')) ? process.execArgv : ['--import', 'tsx'];
  const child: ChildProcess = fork(file, [mode], {
    execArgv: [
      '--expose-gc',
      ...loader.filter((arg) => arg !== '--expose-gc'),
      // Extra Node flags for the server only, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof` to profile it.
      ...(process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean),
    ],
    env,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const waiting = new Map<number, { resolve: (value: unknown) => void; reject: (err: Error) => void }>();
  let exited: Error | undefined;
  const gone = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      exited = new Error(`the ${mode} server exited (code ${code}, signal ${signal})`);
      for (const { reject } of waiting.values()) reject(exited);
      waiting.clear();
      resolve();
    }),
  );
  const ready = await new Promise<Extract<ServerMessage, { type: 'ready' }>>((resolve, reject) => {
    child.once('error', reject);
    void gone.then(() => reject(exited));
    child.on('message', (message: ServerMessage) => {
      if (message.type === 'ready') resolve(message);
      else if (message.type === 'failed')
        reject(new Error(`the ${mode} server failed to start: ${message.message}`));
      else if (message.type === 'reply') {
        const pending = waiting.get(message.id);
        waiting.delete(message.id);
        if (message.error !== undefined) pending?.reject(new Error(message.error));
        else pending?.resolve(message.result);
      }
    });
  }).catch(async (err: Error) => {
    if (!exited) child.kill('SIGKILL');
    await gone;
    throw err;
  });

  let ids = 0;
  const ask = <T>(type: ServerRequest['type']): Promise<T> => {
    if (exited) return Promise.reject(exited);
    const id = ++ids;
    return new Promise<T>((resolve, reject) => {
      waiting.set(id, { resolve: resolve as (value: unknown) => void, reject });
      child.send({ id, type } satisfies ServerRequest);
    });
  };
  let closing: Promise<void> | undefined;
  return {
    mode,
    url: ready.url,
    pid: ready.pid,
    memory: () => ask<ServerMemory>('memory'),
    mark: () => ask<void>('mark'),
    stats: () => ask<ServerStats>('stats'),
    probe: () => ask<ProbeReport | null>('probe'),
    close: (timeoutMs = 30_000) =>
      (closing ??= (async () => {
        if (exited) return;
        const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
        try {
          await ask<void>('close').catch(() => {});
          await gone;
        } finally {
          clearTimeout(timer);
        }
      })()),
  };
}
