/**
 * The server side of `npm run bench:realtime`, run as a child process (see `realtime-process.ts`) so
 * that the 1,000 Socket.IO clients, the webhook sender and the measurements live elsewhere and do not
 * pollute the server's memory, CPU or event loop. `node --expose-gc --import tsx realtime-server.ts <mode>`:
 *
 * - `platform`: the real platform (`startPlatform`: PostgreSQL pool, job runtime, in-process Bolna
 *   simulator, `buildApp`) on `BENCH_SERVER_DATABASE_URL`, listening on loopback.
 * - `baseline`: the floor cost of the same fan-out (bench only, not part of the product): a bare
 *   Fastify server with a bare Socket.IO server on it, no database, no authentication, no
 *   connection-state recovery. A socket joins the room `org:<auth.org>`; `POST BASELINE_REALTIME_PATH?org=<n>`
 *   parses the Bolna body, maps it to a call-shaped object of the platform's size, answers 202 and
 *   then (after `setImmediate`) emits `call:created`/`call:updated` to that room.
 *
 * The parent talks to it over IPC (`ServerRequest` → `ServerReply`): memory after a forced GC, CPU time
 * and event-loop delay since a mark, and close.
 */
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import Fastify from 'fastify';
import { Server } from 'socket.io';
import { mapExecution } from '../../server/providers/bolna/index.js';
import { startPlatform } from './platform.js';
import { installProbe, type Probe } from './realtime-probe.js';
import {
  BASELINE_REALTIME_PATH,
  type ServerMemory,
  type ServerMessage,
  type ServerMode,
  type ServerRequest,
  type ServerStats,
} from './realtime-process.js';

interface Running {
  url: string;
  sockets(): number;
  close(): Promise<void>;
}

async function startPlatformServer(probe: Probe | undefined): Promise<Running> {
  const databaseUrl = process.env.BENCH_SERVER_DATABASE_URL;
  if (!databaseUrl) throw new Error('BENCH_SERVER_DATABASE_URL is not set');
  const platform = await startPlatform({
    databaseUrl,
    env: {
      ...process.env,
      LOG_LEVEL: process.env.LOG_LEVEL || 'warn',
      POLL_INTERVAL_S: process.env.POLL_INTERVAL_S || '3600',
    },
  });
  probe?.attach(platform.app);
  return { url: platform.url, sockets: () => -1, close: () => platform.close() };
}

/** A call-shaped object (the fields of `Call` in common/schemas/calls.ts) from a Bolna body. */
function callShape(body: unknown, organizationId: string, version: number, id: string) {
  const s = mapExecution(body);
  const now = new Date().toISOString();
  return {
    id,
    organizationId,
    agentId: null,
    provider: 'bolna' as const,
    providerCallId: s.providerCallId,
    direction: s.direction,
    status: s.status ?? 'initiated',
    toNumber: s.toNumber,
    fromNumber: s.fromNumber,
    duration: s.duration,
    transcription: s.transcription,
    recordingUrl: s.recordingUrl,
    summary: s.summary,
    extractedData: s.extractedData,
    totalCostCents: s.totalCostCents,
    costBreakdown: s.costBreakdown,
    hangupBy: s.hangupBy,
    hangupReason: s.hangupReason,
    errorMessage: s.errorMessage,
    startedAt: s.initiatedAt?.toISOString() ?? null,
    endedAt: null,
    createdAt: s.providerCreatedAt?.toISOString() ?? now,
    updatedAt: now,
    version,
    metadata: { origin: 'provider' },
  };
}

async function startBaselineServer(): Promise<Running> {
  const app = Fastify({ logger: false });
  const io = new Server(app.server, { path: '/socket.io', serveClient: false });
  io.use((socket, next) => {
    const org = (socket.handshake.auth as { org?: unknown } | undefined)?.org;
    if (typeof org !== 'string' || org === '') return next(new Error('unauthorized: auth.org is required'));
    socket.data.org = org;
    next();
  });
  io.on('connection', (socket) => void socket.join(`org:${socket.data.org as string}`));
  // Execution id → [call id, version]: enough to tell created from updated and to bump a version.
  const seen = new Map<string, [string, number]>();
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string', bodyLimit: 512 * 1024 }, (_req, body, done) =>
    done(null, body),
  );
  app.post(BASELINE_REALTIME_PATH, async (request, reply) => {
    const org = (request.query as { org?: string }).org ?? '';
    let body: unknown;
    try {
      body = JSON.parse(typeof request.body === 'string' ? request.body : '');
    } catch {
      return reply.status(400).send({ error: 'validation_failed', message: 'body: is not valid JSON' });
    }
    const executionId = String((body as { id?: unknown }).id);
    const known = seen.get(executionId);
    const version = (known?.[1] ?? 0) + 1;
    const callId = known?.[0] ?? randomUUID();
    seen.set(executionId, [callId, version]);
    await reply.status(202).send({ received: true, eventId: randomUUID() });
    setImmediate(() => {
      const call = callShape(body, org, version, callId);
      if (known) io.to(`org:${org}`).emit('call:updated', { call, changed: ['status'] });
      else io.to(`org:${org}`).emit('call:created', { call });
    });
    return reply;
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    sockets: () => io.engine.clientsCount,
    async close() {
      io.local.disconnectSockets(true);
      io.engine.close();
      await app.close();
    },
  };
}

async function main(): Promise<void> {
  const mode = process.argv[2] as ServerMode;
  if (mode !== 'platform' && mode !== 'baseline') throw new Error(`unknown mode "${mode}"`);
  const send = (message: ServerMessage) => process.send!(message);
  const probe = mode === 'platform' && process.env.BENCH_PROBE === '1' ? installProbe() : undefined;
  const running = mode === 'platform' ? await startPlatformServer(probe) : await startBaselineServer();
  const gc = (globalThis as { gc?: () => void }).gc;
  const loop = monitorEventLoopDelay({ resolution: 1 });
  loop.enable();
  let mark = { cpu: process.cpuUsage(), at: performance.now() };
  let closing: Promise<void> | undefined;
  const close = () => (closing ??= running.close());

  process.on('message', (request: ServerRequest) => {
    const answer = async (): Promise<unknown> => {
      switch (request.type) {
        case 'memory': {
          if (gc) {
            gc();
            await new Promise((resolve) => setImmediate(resolve));
            gc();
          }
          const m = process.memoryUsage();
          return {
            rss: m.rss,
            heapUsed: m.heapUsed,
            heapTotal: m.heapTotal,
            external: m.external,
            arrayBuffers: m.arrayBuffers,
            gc: Boolean(gc),
          } satisfies ServerMemory;
        }
        case 'mark':
          probe?.reset();
          loop.reset();
          mark = { cpu: process.cpuUsage(), at: performance.now() };
          return null;
        case 'stats': {
          const cpu = process.cpuUsage(mark.cpu);
          return {
            cpuMs: (cpu.user + cpu.system) / 1000,
            wallMs: performance.now() - mark.at,
            loopDelay: {
              p50: loop.percentile(50) / 1e6,
              p99: loop.percentile(99) / 1e6,
              max: loop.max / 1e6,
            },
            sockets: running.sockets(),
          } satisfies ServerStats;
        }
        case 'probe':
          return probe?.report() ?? null;
        case 'close':
          loop.disable();
          await close();
          return null;
      }
    };
    answer().then(
      (result) => {
        send({ type: 'reply', id: request.id, result });
        if (request.type === 'close') process.disconnect();
      },
      (err: Error) => send({ type: 'reply', id: request.id, error: err.stack ?? err.message }),
    );
  });
  // The parent went away: do not linger.
  process.on('disconnect', () => {
    void close().finally(() => process.exit(0));
  });
  send({ type: 'ready', url: running.url, mode, pid: process.pid });
}

main().catch((err: Error) => {
  process.send?.({ type: 'failed', message: err.stack ?? err.message } satisfies ServerMessage);
  process.exitCode = 1;
  process.disconnect?.();
});
