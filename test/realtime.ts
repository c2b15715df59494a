/** Socket.IO clients for tests: connect as a session or an API key and record every event in order. */
import { io, type Socket } from 'socket.io-client';
import type { ClientToServerEvents, ServerToClientEvents } from '../common/realtime.js';

export type TestSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

export interface RecordedEvent {
  event: string;
  callId?: string;
  status?: string;
  version?: number;
  organizationId?: string;
}

export interface RecordingClient {
  socket: TestSocket;
  events: RecordedEvent[];
  close(): void;
}

/** Connects (websocket only) and resolves once connected; rejects with the server's refusal. */
export async function connectSocket(
  url: string,
  credentials: { cookie?: string; apiKey?: string },
): Promise<RecordingClient> {
  const socket: TestSocket = io(url, {
    transports: ['websocket'],
    reconnectionDelay: 50,
    reconnectionDelayMax: 200,
    ...(credentials.apiKey ? { auth: { token: credentials.apiKey } } : {}),
    ...(credentials.cookie ? { extraHeaders: { cookie: credentials.cookie } } : {}),
  });
  const events: RecordedEvent[] = [];
  socket.on('call:created', ({ call }) =>
    events.push({
      event: 'call:created',
      callId: call.id,
      status: call.status,
      version: call.version,
      organizationId: call.organizationId,
    }),
  );
  socket.on('call:updated', ({ call }) =>
    events.push({
      event: 'call:updated',
      callId: call.id,
      status: call.status,
      version: call.version,
      organizationId: call.organizationId,
    }),
  );
  socket.on('call:deleted', ({ callId, organizationId }) =>
    events.push({ event: 'call:deleted', callId, organizationId }),
  );
  socket.on('metrics:updated', ({ organizationId }) =>
    events.push({ event: 'metrics:updated', organizationId }),
  );
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', (err) => {
      socket.close();
      reject(err);
    });
  });
  return { socket, events, close: () => socket.close() };
}
