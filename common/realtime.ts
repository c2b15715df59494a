/**
 * The real-time contract, shared by the server, the web app and the CLI: every Socket.IO event and
 * its payload. A socket is in the room `org:<id>` of each organization it may see.
 */
import type { Call } from './schemas/calls.js';
import type { OrgMetrics } from './schemas/metrics.js';

export interface ServerToClientEvents {
  /** A call appeared (started here, or reported by Bolna for one of our agents). */
  'call:created': (payload: { call: Call }) => void;
  /** A call changed; `changed` names the fields. Ignore it unless `call.version` is newer than yours. */
  'call:updated': (payload: { call: Call; changed: string[] }) => void;
  /** A call was deleted from the history. */
  'call:deleted': (payload: { organizationId: string; callId: string }) => void;
  /**
   * The organization's dashboard numbers for the default period (the last 30 days), the shape of
   * `GET /api/orgs/:orgId/metrics`, at most once a second per organization, to the sockets that
   * asked for them with `metrics:watch` (a dashboard on screen).
   */
  'metrics:updated': (payload: { organizationId: string; metrics: OrgMetrics }) => void;
  /** An end-to-end check of live delivery (`POST /api/orgs/:orgId/realtime/ping`). */
  'system:ping': (payload: { organizationId: string; nonce: string }) => void;
}

export type SubscribeAck = { ok: true; organizationIds: string[] } | { ok: false; error: string };

export interface ClientToServerEvents {
  /** Narrow this socket to one organization (checked against its memberships), or back to all. */
  subscribe: (payload: { orgId?: string | null }, ack: (result: SubscribeAck) => void) => void;
  /** Start (or stop) receiving `metrics:updated` for one organization this socket may see. */
  'metrics:watch': (payload: { orgId: string; watch: boolean }, ack: (result: SubscribeAck) => void) => void;
}

/** The room of the sockets watching an organization's metrics. */
export const metricsRoom = (organizationId: string) => `metrics:${organizationId}`;

/** The room of an organization. */
export const orgRoom = (organizationId: string) => `org:${organizationId}`;

/** Why the server refused a connection (`connect_error` message). */
export const UNAUTHORIZED_MESSAGE =
  'unauthorized: sign in (session cookie) or connect with auth: {token: <API key>}';
