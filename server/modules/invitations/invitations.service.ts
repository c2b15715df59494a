/**
 * Invitations: an admin invites an email with a role and receives a one-time link to pass on
 * (no mail server needed). Accepting it while signed in as that email, or signing up for that
 * email, adds the membership. Links expire, can be revoked, and work once.
 */
import type { Role } from '../../../common/roles.js';
import { iso, type AppContext } from '../../context.js';
import { Conflict, Forbidden, NotFound, ValidationFailed } from '../../errors.js';
import { randomToken, sha256Hex } from '../../lib/crypto.js';
import { hashPassword } from '../../lib/passwords.js';
import { startSession, type ClientInfo } from '../auth/auth.service.js';
import type { OrgAccess } from '../auth/principal.js';
import { findUserByEmail, findUserById, insertUser, toApiUser } from '../auth/users.repository.js';
import { upsertMembership } from '../members/members.repository.js';
import { findOrganization } from '../orgs/orgs.repository.js';
import { toApiOrganization } from '../orgs/orgs.service.js';
import {
  findInvitationByTokenHash,
  insertInvitation,
  listInvitations,
  markInvitationAccepted,
  revokeInvitation,
  toApiInvitation,
} from './invitations.repository.js';

export async function createInvitation(ctx: AppContext, access: OrgAccess, email: string, role: Role) {
  if (role === 'owner' && access.role !== 'owner') throw new Forbidden('Only an owner can invite an owner.');
  const token = randomToken(32);
  const expiresAt = new Date(ctx.now().getTime() + ctx.config.invitationTtlMs);
  const row = await insertInvitation(ctx.db, {
    organizationId: access.organizationId,
    email,
    role,
    tokenHash: sha256Hex(token),
    invitedBy: access.userId,
    expiresAt,
  });
  return { id: row.id, url: `${ctx.config.publicUrl}/invite/${token}`, expiresAt: iso(row.expiresAt) };
}

export async function getInvitations(ctx: AppContext, organizationId: string) {
  return (await listInvitations(ctx.db, organizationId)).map(toApiInvitation);
}

export async function cancelInvitation(ctx: AppContext, organizationId: string, id: string) {
  if (!(await revokeInvitation(ctx.db, organizationId, id, ctx.now()))) throw new NotFound('Invitation');
}

/** A usable invitation for a token, or 404 (unknown, revoked, used and expired all look alike). */
async function usableInvitation(ctx: AppContext, db: AppContext['db'], token: string, lock = false) {
  const found = await findInvitationByTokenHash(db, sha256Hex(token), lock);
  if (!found) throw new NotFound('Invitation');
  const { invitation } = found;
  if (invitation.revokedAt || invitation.acceptedAt || invitation.expiresAt <= ctx.now()) {
    throw new NotFound('Invitation');
  }
  return found;
}

/** What the invitation page shows before accepting. */
export async function previewInvitation(ctx: AppContext, token: string) {
  const { invitation, organizationName } = await usableInvitation(ctx, ctx.db, token);
  return {
    organizationName,
    email: invitation.email,
    role: invitation.role as Role,
    expiresAt: iso(invitation.expiresAt),
  };
}

/**
 * Accepts an invitation. Signed in: the user's email must be the invited one. Signed out: a name
 * and password create the account for the invited email and start a session.
 */
export async function acceptInvitation(
  ctx: AppContext,
  token: string,
  actor: { userId: string | null; signup?: { name?: string; password?: string } },
  client: ClientInfo,
) {
  const passwordHash =
    !actor.userId && actor.signup?.password ? await hashPassword(actor.signup.password) : undefined;
  const result = await ctx.db.transaction(async (tx) => {
    const { invitation } = await usableInvitation(ctx, tx, token, true);
    let user;
    if (actor.userId) {
      user = await findUserById(tx, actor.userId);
      if (!user) throw new NotFound('User');
      if (user.email.toLowerCase() !== invitation.email.toLowerCase()) {
        throw new Forbidden(
          `This invitation is for ${invitation.email}. Sign in with that email to accept it.`,
        );
      }
    } else {
      if (await findUserByEmail(tx, invitation.email)) {
        throw new Conflict(`An account for ${invitation.email} exists. Sign in, then accept the invitation.`);
      }
      if (!actor.signup?.name) throw ValidationFailed.field('name', 'is required to create your account');
      if (!passwordHash) throw ValidationFailed.field('password', 'is required to create your account');
      user = await insertUser(tx, { email: invitation.email, name: actor.signup.name, passwordHash });
    }
    await upsertMembership(tx, {
      organizationId: invitation.organizationId,
      userId: user.id,
      role: invitation.role as Role,
    });
    await markInvitationAccepted(tx, invitation.id, user.id, ctx.now());
    const organization = await findOrganization(tx, invitation.organizationId);
    return { user, organization: organization!, role: invitation.role as Role };
  });
  const session = actor.userId ? undefined : await startSession(ctx, result.user.id, client);
  return {
    user: toApiUser(result.user),
    organization: toApiOrganization(result.organization, result.role),
    session,
  };
}
