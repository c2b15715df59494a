/**
 * The answers the CLI reads, as Zod schemas, taken from `common/` (the one source the server
 * validates its responses with). A server that answers something else is reported as such instead
 * of crashing a command halfway.
 */
import { z } from 'zod';
import {
  AdminOrgList,
  AgentSyncResult,
  CallsSyncResult,
  Diagnostics,
  ReapStaleResult,
  WebhookConfigureResult,
} from '../common/schemas/ops.js';

export { OrgList, Organization, WebhookSettings } from '../common/schemas/accounts.js';
export { AgentList } from '../common/schemas/agents.js';
export { WebhookAccepted, WebhookEvent } from '../common/schemas/events.js';
export {
  AdminOrgList,
  AgentSyncResult,
  CallsSyncResult,
  Diagnostics,
  PingResult,
  ReapStaleResult,
  WebhookConfigureResult,
} from '../common/schemas/ops.js';

/** `GET /api/healthz` (defined beside its route on the server). */
export const Health = z.object({ status: z.literal('ok') });
/** `GET /api/readyz` when ready; a 503 otherwise. */
export const Ready = z.object({ status: z.literal('ready'), database: z.string(), migration: z.number() });

export type AdminOrg = z.infer<typeof AdminOrgList>['data'][number];
export type WebhookConfigureRow = z.infer<typeof WebhookConfigureResult>['data'][number];
export type AgentSyncRow = z.infer<typeof AgentSyncResult>['data'][number];
export type CallsSyncResult = z.infer<typeof CallsSyncResult>;
export type ReapStaleResult = z.infer<typeof ReapStaleResult>;
export type DiagnosticsReport = z.infer<typeof Diagnostics>;
