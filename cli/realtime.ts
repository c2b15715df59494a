/**
 * The live-event check: connect to the platform's Socket.IO with the key, narrow the socket to one
 * organization, ask the server for a ping (`POST /api/orgs/:orgId/realtime/ping`) and wait for the
 * `system:ping` event carrying the same nonce. Proves the whole path a browser depends on.
 */
import { io, type Socket } from 'socket.io-client';
import type { ClientToServerEvents, ServerToClientEvents, SubscribeAck } from '../common/realtime.js';
import type { ApiClient } from './api.js';
import { PingResult } from './contract.js';
import { CliError } from './errors.js';
import { orgPath } from './targets.js';

/** The ping the server emits to an organization's room for this check. */
type PingEvents = ServerToClientEvents & {
  'system:ping': (payload: { organizationId: string; nonce: string }) => void;
};

export interface RealtimeResult {
  ok: boolean;
  detail: string;
  /** From the ping request to the event's arrival. */
  ms: number | null;
}

/** Sends a ping through the organization's room and waits up to `timeoutMs` for it. */
export async function realtimeRoundTrip(
  api: ApiClient,
  orgId: string,
  timeoutMs = 5_000,
): Promise<RealtimeResult> {
  const base = new URL(api.url);
  const socket: Socket<PingEvents, ClientToServerEvents> = io(base.origin, {
    path: `${base.pathname.replace(/\/$/, '')}/socket.io`,
    transports: ['websocket'],
    auth: { token: api.connection.key },
    reconnection: false,
    timeout: timeoutMs,
  });
  const seen = new Map<string, number>();
  let waiter: ((nonce: string) => void) | null = null;
  socket.on('system:ping', ({ organizationId, nonce }) => {
    if (organizationId !== orgId) return;
    seen.set(nonce, Date.now());
    waiter?.(nonce);
  });
  try {
    const connected = await new Promise<string | null>((resolve) => {
      socket.once('connect', () => resolve(null));
      socket.once('connect_error', (err) => resolve(err.message));
    });
    if (connected !== null) {
      return {
        ok: false,
        detail: `the socket connection to ${base.origin} was refused: ${connected}`,
        ms: null,
      };
    }
    const ack = await socket
      .timeout(timeoutMs)
      .emitWithAck('subscribe', { orgId })
      .catch((): SubscribeAck | null => null);
    if (ack && !ack.ok)
      return { ok: false, detail: `subscribing to the organization failed: ${ack.error}`, ms: null };

    const started = Date.now();
    let sent;
    try {
      sent = await api.post(orgPath(orgId, '/realtime/ping'), PingResult);
    } catch (err) {
      if (err instanceof CliError)
        return { ok: false, detail: `the ping request failed: ${err.message}`, ms: null };
      throw err;
    }
    const nonce = sent.nonce;
    const arrivedAt =
      seen.get(nonce) ??
      (await new Promise<number | null>((resolve) => {
        const timer = setTimeout(() => resolve(null), timeoutMs);
        waiter = (n) => {
          if (n !== nonce) return;
          clearTimeout(timer);
          resolve(seen.get(n)!);
        };
      }));
    if (arrivedAt === null) {
      return {
        ok: false,
        detail: `the ping was sent but no event arrived within ${timeoutMs / 1000} s`,
        ms: null,
      };
    }
    const ms = Math.max(0, arrivedAt - started);
    return { ok: true, detail: `system:ping received over the websocket in ${ms} ms`, ms };
  } finally {
    socket.close();
  }
}
