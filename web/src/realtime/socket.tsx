/**
 * The tab's one Socket.IO connection: WebSocket only (no long-polling, so plain round-robin load
 * balancers work), the session cookie as credentials. Events are written into the query cache; a
 * reconnect that could not replay what was missed (`socket.recovered === false`) refetches.
 */
import { useQueryClient } from '@tanstack/react-query';
import { createContext, useContext, useEffect, useRef, useState, type ReactNode } from 'react';
import { io, type Socket } from 'socket.io-client';
import type { ClientToServerEvents, ServerToClientEvents } from '../../../common/realtime.js';
import { formatPhone } from '../lib/format';
import { STATUS_LABEL } from '../lib/status';
import { createCacheWriter } from './apply-events';

export type ConnectionState = 'connecting' | 'live' | 'offline';
type AppSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

const RealtimeContext = createContext<ConnectionState>('connecting');
const SocketContext = createContext<AppSocket | null>(null);

/** The connection state, for the "Live" indicator. */
export function useConnectionState(): ConnectionState {
  return useContext(RealtimeContext);
}

/**
 * Receive `metrics:updated` for `orgId` while the calling component is mounted (the dashboard):
 * the server computes and pushes the numbers only for organizations someone is watching.
 */
export function useMetricsWatch(orgId: string | undefined): void {
  const socket = useContext(SocketContext);
  useEffect(() => {
    if (!socket || !orgId) return;
    // Rooms are lost on a reconnect the server could not recover: watch again on every connect.
    const watch = () => void socket.emit('metrics:watch', { orgId, watch: true }, () => {});
    if (socket.connected) watch();
    socket.on('connect', watch);
    return () => {
      socket.off('connect', watch);
      if (socket.connected) socket.emit('metrics:watch', { orgId, watch: false }, () => {});
    };
  }, [socket, orgId]);
}

/**
 * Connects while mounted. `membershipKey` changes when the user's organizations change: the server
 * picks rooms at connect time, so the socket reconnects to join the new ones.
 */
export function RealtimeProvider({
  membershipKey,
  announce,
  children,
}: {
  membershipKey: string;
  announce: (message: string) => void;
  children: ReactNode;
}) {
  const queryClient = useQueryClient();
  const [state, setState] = useState<ConnectionState>('connecting');
  const [current, setCurrent] = useState<AppSocket | null>(null);
  const announceRef = useRef(announce);
  announceRef.current = announce;

  useEffect(() => {
    const writer = createCacheWriter(queryClient);
    const socket: AppSocket = io({
      path: '/socket.io',
      transports: ['websocket'],
      withCredentials: true,
      reconnectionDelay: 500,
      reconnectionDelayMax: 5_000,
    });
    let connectedBefore = false;
    let closed = false;
    setCurrent(socket);

    socket.on('connect', () => {
      setState('live');
      // A first connect follows the first fetches; after a gap, refetch unless the server replayed it.
      if (connectedBefore && !socket.recovered) void queryClient.invalidateQueries();
      connectedBefore = true;
    });
    socket.on('disconnect', (reason) => {
      setState('offline');
      // The server dropped us on purpose (signed out, removed): ask who we are again.
      if (reason === 'io server disconnect') {
        void queryClient.invalidateQueries({ queryKey: ['me'] });
        setTimeout(() => !closed && socket.connect(), 1_000);
      }
    });
    socket.on('connect_error', () => setState('offline'));
    socket.io.on('reconnect_attempt', () => setState('connecting'));

    socket.on('call:created', ({ call }) => writer.applyCall(call));
    socket.on('call:updated', ({ call, changed }) => {
      writer.applyCall(call);
      if (changed.includes('status')) {
        announceRef.current(`Call to ${formatPhone(call.toNumber)}: ${STATUS_LABEL[call.status]}`);
      }
    });
    socket.on('call:deleted', ({ organizationId, callId }) => writer.deleteCall(organizationId, callId));
    socket.on('metrics:updated', ({ organizationId, metrics }) =>
      writer.applyMetrics(organizationId, metrics),
    );

    return () => {
      closed = true;
      socket.removeAllListeners();
      socket.io.removeAllListeners();
      socket.close();
      writer.close();
      setCurrent(null);
    };
  }, [queryClient, membershipKey]);

  return (
    <SocketContext.Provider value={current}>
      <RealtimeContext.Provider value={state}>{children}</RealtimeContext.Provider>
    </SocketContext.Provider>
  );
}
