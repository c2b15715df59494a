/**
 * Many Socket.IO clients in one process for `npm run bench:realtime`: each its own connection
 * (websocket transport, no reconnection, so a drop shows instead of being papered over), tagged
 * with the organization it belongs to, every call and metrics event handed to one callback with
 * the moment it arrived.
 */
import { performance } from 'node:perf_hooks';
import { io, type Socket } from 'socket.io-client';
import type { ClientToServerEvents, ServerToClientEvents } from '../../common/realtime.js';
import type { Call } from '../../common/schemas/calls.js';
import type { OrgMetrics } from '../../common/schemas/metrics.js';

export type BenchSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

export interface ClientSpec {
  /** The organization this client watches (the `organizationId` its events must carry). */
  orgId: string;
  /** Index of the organization, and of this client within it (0 … clients per organization − 1). */
  orgIndex: number;
  slot: number;
  /** A session cookie (`automitra_session=…`) or an API key; or the baseline's `auth.org`. */
  credentials: { cookie: string } | { apiKey: string } | { baselineOrg: string };
}

export type FleetEvent =
  | { kind: 'call'; name: 'call:created' | 'call:updated'; call: Call; receivedAt: number }
  | { kind: 'metrics'; organizationId: string; metrics: OrgMetrics; receivedAt: number };

export interface Fleet {
  readonly size: number;
  /** Clients connected right now. */
  connected(): number;
  /** Disconnections since the fleet connected (none expected). */
  readonly disconnects: { count: number; reasons: Record<string, number> };
  close(): void;
}

function options(spec: ClientSpec) {
  const c = spec.credentials;
  return {
    transports: ['websocket'],
    forceNew: true,
    reconnection: false,
    timeout: 30_000,
    ...('cookie' in c ? { extraHeaders: { cookie: c.cookie } } : {}),
    ...('apiKey' in c ? { auth: { token: c.apiKey } } : {}),
    ...('baselineOrg' in c ? { auth: { org: c.baselineOrg } } : {}),
  };
}

/**
 * Connects one client per spec, `concurrency` handshakes at a time; rejects on the first refusal
 * (closing what it opened). `onEvent` runs synchronously for every event, in arrival order.
 */
export async function connectFleet(
  url: string,
  specs: ClientSpec[],
  onEvent: (spec: ClientSpec, event: FleetEvent) => void,
  concurrency = 50,
): Promise<Fleet> {
  const sockets: BenchSocket[] = [];
  const disconnects = { count: 0, reasons: {} as Record<string, number> };
  const connectOne = (spec: ClientSpec) =>
    new Promise<void>((resolve, reject) => {
      const socket: BenchSocket = io(url, options(spec));
      sockets.push(socket);
      socket.on('call:created', ({ call }) =>
        onEvent(spec, { kind: 'call', name: 'call:created', call, receivedAt: performance.now() }),
      );
      socket.on('call:updated', ({ call }) =>
        onEvent(spec, { kind: 'call', name: 'call:updated', call, receivedAt: performance.now() }),
      );
      socket.on('metrics:updated', ({ organizationId, metrics }) =>
        onEvent(spec, { kind: 'metrics', organizationId, metrics, receivedAt: performance.now() }),
      );
      socket.once('connect', () => {
        socket.on('disconnect', (reason) => {
          disconnects.count += 1;
          disconnects.reasons[reason] = (disconnects.reasons[reason] ?? 0) + 1;
        });
        resolve();
      });
      socket.once('connect_error', (err) =>
        reject(new Error(`socket ${spec.orgIndex}.${spec.slot}: ${err.message}`)),
      );
    });
  const close = () => {
    for (const socket of sockets) {
      socket.removeAllListeners('disconnect');
      socket.close();
    }
  };
  try {
    let next = 0;
    const worker = async () => {
      while (next < specs.length) await connectOne(specs[next++]!);
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, specs.length) }, worker));
  } catch (err) {
    close();
    throw err;
  }
  return {
    size: sockets.length,
    connected: () => sockets.filter((s) => s.connected).length,
    disconnects,
    close,
  };
}
