/** Organizations: creation (with the creator as owner), reading, renaming, and the webhook token. */
import type { Role } from '../../../common/roles.js';
import { iso, type AppContext } from '../../context.js';
import type { Db } from '../../db/index.js';
import { NotFound } from '../../errors.js';
import { randomToken, sha256Hex } from '../../lib/crypto.js';
import { listAgents } from '../agents/agents.repository.js';
import { insertMembership } from '../members/members.repository.js';
import {
  findOrganization,
  insertOrganization,
  listOrganizationsForUser,
  setWebhookToken,
  updateOrganizationName,
  type OrganizationRow,
} from './orgs.repository.js';

/** The path Bolna agents are configured to post to; the token selects the organization. */
export const BOLNA_WEBHOOK_PATH = '/api/webhooks/bolna/call-status';

export function toApiOrganization(row: OrganizationRow, role: Role) {
  return { id: row.id, name: row.name, role, createdAt: iso(row.createdAt) };
}

/** A new webhook token: 32 random bytes (256 bits), stored as a digest for lookup and sealed for display. */
function newWebhookToken(ctx: AppContext) {
  const token = randomToken(32);
  return { token, webhookTokenHash: sha256Hex(token), webhookTokenEnc: ctx.secrets.seal(token) };
}

/** Creates an organization with `ownerUserId` as its owner, inside the caller's transaction. */
export async function createOrganization(ctx: AppContext, tx: Db, name: string, ownerUserId: string) {
  const { webhookTokenHash, webhookTokenEnc } = newWebhookToken(ctx);
  const org = await insertOrganization(tx, { name, webhookTokenHash, webhookTokenEnc });
  await insertMembership(tx, { organizationId: org.id, userId: ownerUserId, role: 'owner' });
  return toApiOrganization(org, 'owner');
}

export async function listOrganizations(ctx: AppContext, userId: string) {
  const rows = await listOrganizationsForUser(ctx.db, userId);
  return rows.map((r) => toApiOrganization(r.organization, r.role as Role));
}

export async function getOrganization(ctx: AppContext, organizationId: string, role: Role) {
  const row = await findOrganization(ctx.db, organizationId);
  if (!row) throw new NotFound('Organization');
  return toApiOrganization(row, role);
}

export async function renameOrganization(ctx: AppContext, organizationId: string, role: Role, name: string) {
  const row = await updateOrganizationName(ctx.db, organizationId, name, ctx.now());
  if (!row) throw new NotFound('Organization');
  return toApiOrganization(row, role);
}

/** The URL to give Bolna agents: the public base, the fixed path and this organization's token. */
export function webhookUrlFor(ctx: AppContext, token: string): string {
  return `${ctx.config.publicWebhookUrl}${BOLNA_WEBHOOK_PATH}?token=${encodeURIComponent(token)}`;
}

export async function getWebhookSettings(ctx: AppContext, organizationId: string) {
  const row = await findOrganization(ctx.db, organizationId);
  if (!row) throw new NotFound('Organization');
  const token = ctx.secrets.open(row.webhookTokenEnc);
  return { url: webhookUrlFor(ctx, token), token, rotatedAt: iso(row.webhookTokenRotatedAt) };
}

/**
 * Replaces the webhook token; the old one stops working at once, so every agent of the
 * organization is pushed to Bolna again with the new URL (in the background, retried).
 */
export async function rotateWebhookToken(ctx: AppContext, organizationId: string) {
  const { token, webhookTokenHash, webhookTokenEnc } = newWebhookToken(ctx);
  const row = await setWebhookToken(ctx.db, organizationId, { webhookTokenHash, webhookTokenEnc }, ctx.now());
  if (!row) throw new NotFound('Organization');
  for (const agent of await listAgents(ctx.db, organizationId)) {
    await ctx.jobs.send('agent.sync', { agentId: agent.id });
  }
  return { url: webhookUrlFor(ctx, token), token, rotatedAt: iso(row.webhookTokenRotatedAt) };
}
