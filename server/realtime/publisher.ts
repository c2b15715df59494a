/**
 * The domain's side of real time: what changed, for whom. Services call these after their
 * transaction commits; the Socket.IO server (or nothing, in a process without one) delivers them.
 */
import type { Call } from '../../common/schemas/calls.js';

export interface RealtimePublisher {
  /**
   * Whether events of the organization reach anyone: a socket in its room now, or one that dropped
   * lately and may come back for what it missed. Call events of other organizations are not sent.
   */
  watching(organizationId: string): boolean;
  callCreated(call: Call): void;
  callUpdated(call: Call, changed: string[]): void;
  callDeleted(organizationId: string, callId: string): void;
  /** A check that live delivery works end to end. */
  ping(organizationId: string, nonce: string): void;
  /** The user lost access to the organization: their sockets are disconnected. */
  memberRemoved(organizationId: string, userId: string): void;
  /** The API key was revoked: its sockets are disconnected. */
  apiKeyRevoked(apiKeyId: string): void;
  /** The session ended (sign-out): its sockets are disconnected. */
  sessionRevoked(sessionId: string): void;
}
