/**
 * Membership rules. Admins manage viewers, members and admins; only owners grant, change or
 * remove the owner role. Anyone may leave. An organization always keeps at least one owner:
 * changes lock the organization row so two concurrent demotions cannot both pass the check.
 */
import { roleAtLeast, type Role } from '../../../common/roles.js';
import { iso, type AppContext } from '../../context.js';
import { Conflict, Forbidden, NotFound } from '../../errors.js';
import type { OrgAccess } from '../auth/principal.js';
import type { Db } from '../../db/index.js';
import { findMembershipRole, lockOrganization } from '../orgs/orgs.repository.js';
import {
  countOwners,
  deleteMembership,
  findMember,
  listMembers,
  updateMemberRole,
} from './members.repository.js';

type MemberRow = Awaited<ReturnType<typeof listMembers>>[number];

function toApiMember(row: MemberRow) {
  return {
    userId: row.userId,
    email: row.email,
    name: row.name,
    role: row.role as Role,
    joinedAt: iso(row.joinedAt),
  };
}

export async function getMembers(ctx: AppContext, organizationId: string) {
  return (await listMembers(ctx.db, organizationId)).map(toApiMember);
}

/** The caller's role re-read under the organization lock (it may have changed since the guard ran). */
async function currentAccess(tx: Db, access: OrgAccess): Promise<OrgAccess> {
  if (!access.userId) return access;
  const role = await findMembershipRole(tx, access.organizationId, access.userId);
  if (!role) throw new NotFound('Organization');
  return { ...access, role };
}

export async function changeMemberRole(ctx: AppContext, guarded: OrgAccess, userId: string, role: Role) {
  return ctx.db.transaction(async (tx) => {
    await lockOrganization(tx, guarded.organizationId);
    const access = await currentAccess(tx, guarded);
    const member = await findMember(tx, access.organizationId, userId);
    if (!member) throw new NotFound('Member');
    const current = member.role as Role;
    if ((current === 'owner' || role === 'owner') && access.role !== 'owner') {
      throw new Forbidden('Only an owner can grant, change or remove the owner role.');
    }
    if (!roleAtLeast(access.role, 'admin')) throw new Forbidden();
    if (current === 'owner' && role !== 'owner' && (await countOwners(tx, access.organizationId)) <= 1) {
      throw new Conflict('The last owner cannot be demoted. Make someone else an owner first.');
    }
    if (current !== role) await updateMemberRole(tx, access.organizationId, userId, role);
    return toApiMember({ ...member, role });
  });
}

export async function removeMember(ctx: AppContext, guarded: OrgAccess, userId: string): Promise<void> {
  await ctx.db.transaction(async (tx) => {
    await lockOrganization(tx, guarded.organizationId);
    const access = await currentAccess(tx, guarded);
    const member = await findMember(tx, access.organizationId, userId);
    if (!member) throw new NotFound('Member');
    const leavingSelf = access.userId === userId;
    if (!leavingSelf) {
      if (!roleAtLeast(access.role, 'admin')) throw new Forbidden('Only admins can remove members.');
      if (member.role === 'owner' && access.role !== 'owner') {
        throw new Forbidden('Only an owner can remove an owner.');
      }
    }
    if (member.role === 'owner' && (await countOwners(tx, access.organizationId)) <= 1) {
      throw new Conflict('The last owner cannot leave. Make someone else an owner first.');
    }
    await deleteMembership(tx, access.organizationId, userId);
  });
  ctx.realtime.memberRemoved(guarded.organizationId, userId);
}
