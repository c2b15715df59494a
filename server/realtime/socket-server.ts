/**
 * Socket.IO on the app's own HTTP server. A connection is authenticated in the handshake (the
 * session cookie, or `auth: {token: <API key>}`) and joins the room of every organization it may see;
 * `subscribe` narrows it to one. Events leave only after the data is committed, and only to the rooms
 * of the organization they belong to. With `REDIS_URL`, the Redis streams adapter carries events
 * between nodes; missed events are replayed on reconnect (connection-state recovery).
 *
 * Recovery keeps every event sent, for the whole window, whoever it was for: call events of an
 * organization that nobody watches (no socket in its room, none dropped from it within the window)
 * are therefore not sent at all. Without that, a busy node holding no sockets kept the last two
 * minutes of every call update it merged in memory.
 */
import { createAdapter } from '@socket.io/redis-streams-adapter';
import { createClient, type RedisClientType } from 'redis';
import { Gauge } from 'prom-client';
import { Server, type Socket } from 'socket.io';
import {
  UNAUTHORIZED_MESSAGE,
  metricsRoom,
  orgRoom,
  type ClientToServerEvents,
  type ServerToClientEvents,
} from '../../common/realtime.js';
import type { AppContext } from '../context.js';
import type { App } from '../http.js';
import { principalFromCredentials, SESSION_COOKIE, type Principal } from '../modules/auth/principal.js';
import { findOrganization, listOrganizationsForUser } from '../modules/orgs/orgs.repository.js';
import { createMetricsPusher } from './metrics-push.js';
import type { RealtimePublisher } from './publisher.js';

interface SocketData {
  principal: Principal;
  organizationIds: string[];
}

export type IoServer = Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;
type IoSocket = Socket<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;

/** How long a dropped client's missed events are kept for it (connection-state recovery). */
const RECOVERY_WINDOW_MS = 2 * 60_000;

/** What the publisher calls besides emitting (set once the context exists). */
export interface PublisherHooks {
  callsChanged(organizationId: string): void;
  close?(): void;
}

export interface RealtimeServer {
  io: IoServer;
  publisher: RealtimePublisher;
  hooks: PublisherHooks;
  close(): Promise<void>;
}

/** Organizations a principal may see right now. */
async function visibleOrganizations(ctx: AppContext, principal: Principal): Promise<string[]> {
  if (principal.kind === 'apiKey') return [principal.organizationId];
  // The operator sees every organization but joins none until it subscribes to one.
  if (principal.kind === 'admin') return [];
  return (await listOrganizationsForUser(ctx.db, principal.userId)).map((r) => r.organization.id);
}

const identityRooms = (principal: Principal) =>
  principal.kind === 'apiKey'
    ? [`key:${principal.apiKeyId}`]
    : principal.kind === 'admin'
      ? ['platform-admin']
      : [`user:${principal.userId}`, `session:${principal.sessionId}`];

/**
 * Creates the Socket.IO server on the app's HTTP server and the publisher the domain emits through.
 * Connections are accepted only once `acceptConnections` has run.
 */
export async function createRealtime(app: App, redisUrl?: string): Promise<RealtimeServer> {
  let redis: RedisClientType | undefined;
  if (redisUrl) {
    redis = createClient({ url: redisUrl });
    redis.on('error', (err) => app.log.error({ err }, 'redis connection error (realtime adapter)'));
    await redis.connect();
  }
  const io: IoServer = new Server(app.server, {
    path: '/socket.io',
    serveClient: false,
    connectionStateRecovery: { maxDisconnectionDuration: RECOVERY_WINDOW_MS, skipMiddlewares: false },
    ...(redis ? { adapter: createAdapter(redis, { maxLen: 100_000 }) } : {}),
  });
  const hooks: PublisherHooks = { callsChanged: () => {} };
  // With Redis the watchers may be on another node: every event goes out.
  const watching = redis ? () => true : trackAudience(io, RECOVERY_WINDOW_MS);
  const publisher = createPublisher(io, hooks, watching);
  return {
    io,
    publisher,
    hooks,
    async close() {
      hooks.close?.();
      io.local.disconnectSockets(true);
      // Closing the engine, not the HTTP server: Fastify closes that itself.
      io.engine.close();
      await redis?.quit().catch(() => {});
    },
  };
}

/**
 * Authenticates every handshake and puts each socket in the rooms it may see; starts the coalesced
 * metrics pushes.
 */
export function acceptConnections(app: App, ctx: AppContext, realtime: RealtimeServer): void {
  const { io } = realtime;
  const pusher = createMetricsPusher(
    ctx,
    (organizationId, metrics) =>
      io.to(metricsRoom(organizationId)).emit('metrics:updated', { organizationId, metrics }),
    // On one node, nobody watching here means nobody watching: skip the computation. With Redis the
    // watchers may be on another node, so the push always goes out.
    (organizationId) => Boolean(ctx.redis) || occupied(io, metricsRoom(organizationId)),
  );
  realtime.hooks.callsChanged = pusher.touch;
  new Gauge({
    name: 'automitra_realtime_connections',
    help: 'Socket.IO connections open on this node',
    registers: [app.metrics.registry],
    collect() {
      this.set(io.engine.clientsCount);
    },
  });
  realtime.hooks.close = pusher.close;
  io.use(async (socket, next) => {
    try {
      const cookies = app.parseCookie(socket.handshake.headers.cookie ?? '');
      const token = (socket.handshake.auth as { token?: unknown } | undefined)?.token;
      const principal = await principalFromCredentials(ctx, {
        apiKey: typeof token === 'string' ? token : undefined,
        sessionToken: typeof token === 'string' ? undefined : cookies[SESSION_COOKIE],
      });
      if (!principal) return next(new Error(UNAUTHORIZED_MESSAGE));
      socket.data.principal = principal;
      socket.data.organizationIds = await visibleOrganizations(ctx, principal);
      next();
    } catch (err) {
      ctx.log.error({ err }, 'socket authentication failed');
      next(new Error('the server could not check these credentials; try again'));
    }
  });

  io.on('connection', (socket: IoSocket) => {
    const { principal, organizationIds } = socket.data;
    if (socket.recovered) {
      // Rooms come back with a recovered session: drop any organization no longer visible.
      for (const room of socket.rooms) {
        const org = room.startsWith('org:')
          ? room.slice(4)
          : room.startsWith('metrics:')
            ? room.slice(8)
            : null;
        if (org && !organizationIds.includes(org) && principal.kind !== 'admin') void socket.leave(room);
      }
    } else {
      void socket.join([...organizationIds.map(orgRoom), ...identityRooms(principal)]);
    }

    /** May this socket see the organization? Its memberships, or any organization for the operator. */
    const maySee = async (orgId: string): Promise<boolean> =>
      socket.data.organizationIds.includes(orgId) ||
      (principal.kind === 'admin' &&
        /^[0-9a-f-]{36}$/i.test(orgId) &&
        Boolean(await findOrganization(ctx.db, orgId)));

    socket.on('metrics:watch', async (payload, ack) => {
      const reply = typeof ack === 'function' ? ack : () => {};
      const orgId = typeof payload?.orgId === 'string' ? payload.orgId : '';
      if (!(await maySee(orgId))) {
        reply({ ok: false, error: 'not_found: no such organization' });
        return;
      }
      if (payload.watch === false) await socket.leave(metricsRoom(orgId));
      else {
        await socket.join(metricsRoom(orgId));
        pusher.touch(orgId); // the current numbers, within a second
      }
      reply({ ok: true, organizationIds: [orgId] });
    });

    socket.on('subscribe', async (payload, ack) => {
      const reply = typeof ack === 'function' ? ack : () => {};
      const orgId = typeof payload?.orgId === 'string' ? payload.orgId : null;
      if (orgId !== null && !(await maySee(orgId))) {
        reply({ ok: false, error: 'not_found: no such organization' });
        return;
      }
      const wanted = orgId ? [orgId] : socket.data.organizationIds;
      for (const room of socket.rooms) if (room.startsWith('org:')) void socket.leave(room);
      void socket.join(wanted.map(orgRoom));
      reply({ ok: true, organizationIds: wanted });
    });
  });
}

/** Whether a socket of this node is in the room. */
const occupied = (io: IoServer, room: string) => (io.of('/').adapter.rooms.get(room)?.size ?? 0) > 0;

/**
 * Whether an organization's events reach anyone on this node: a socket in its room, or one that left
 * it by dropping less than `windowMs` ago (its session, rooms included, waits that long for it).
 */
function trackAudience(io: IoServer, windowMs: number): (organizationId: string) => boolean {
  /** When a socket last left each organization's room by disconnecting, by room. */
  const leftAt = new Map<string, number>();
  io.on('connection', (socket: IoSocket) => {
    socket.on('disconnecting', () => {
      for (const room of socket.rooms) if (room.startsWith('org:')) leftAt.set(room, Date.now());
    });
  });
  return (organizationId) => {
    const room = orgRoom(organizationId);
    if (occupied(io, room)) return true;
    const left = leftAt.get(room);
    if (left === undefined) return false;
    if (Date.now() - left < windowMs) return true;
    leftAt.delete(room);
    return false;
  };
}

function createPublisher(
  io: IoServer,
  hooks: PublisherHooks,
  watching: (organizationId: string) => boolean,
): RealtimePublisher {
  return {
    watching,
    callCreated(call) {
      if (watching(call.organizationId)) io.to(orgRoom(call.organizationId)).emit('call:created', { call });
      hooks.callsChanged(call.organizationId);
    },
    callUpdated(call, changed) {
      if (watching(call.organizationId))
        io.to(orgRoom(call.organizationId)).emit('call:updated', { call, changed });
      hooks.callsChanged(call.organizationId);
    },
    callDeleted(organizationId, callId) {
      if (watching(organizationId))
        io.to(orgRoom(organizationId)).emit('call:deleted', { organizationId, callId });
      hooks.callsChanged(organizationId);
    },
    ping(organizationId, nonce) {
      io.to(orgRoom(organizationId)).emit('system:ping', { organizationId, nonce });
    },
    memberRemoved(_organizationId, userId) {
      io.in(`user:${userId}`).disconnectSockets(true);
    },
    apiKeyRevoked(apiKeyId) {
      io.in(`key:${apiKeyId}`).disconnectSockets(true);
    },
    sessionRevoked(sessionId) {
      io.in(`session:${sessionId}`).disconnectSockets(true);
    },
  };
}
