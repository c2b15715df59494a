import { and, desc, eq, isNull } from 'drizzle-orm';
import type { Db } from '../../db/index.js';
import { invitations, organizations } from '../../db/schema.js';
import type { Role } from '../../../common/roles.js';
import { iso } from '../../context.js';

export type InvitationRow = typeof invitations.$inferSelect;

export function toApiInvitation(row: InvitationRow) {
  return {
    id: row.id,
    email: row.email,
    role: row.role as Role,
    createdAt: iso(row.createdAt),
    expiresAt: iso(row.expiresAt),
    acceptedAt: iso(row.acceptedAt),
  };
}

export async function insertInvitation(
  db: Db,
  values: {
    organizationId: string;
    email: string;
    role: Role;
    tokenHash: string;
    invitedBy: string | null;
    expiresAt: Date;
  },
): Promise<InvitationRow> {
  const [row] = await db.insert(invitations).values(values).returning();
  return row!;
}

/** Pending and accepted invitations of an organization (revoked ones are gone from view). */
export async function listInvitations(db: Db, organizationId: string): Promise<InvitationRow[]> {
  return db
    .select()
    .from(invitations)
    .where(and(eq(invitations.organizationId, organizationId), isNull(invitations.revokedAt)))
    .orderBy(desc(invitations.createdAt));
}

export async function findInvitationByTokenHash(db: Db, tokenHash: string, lock = false) {
  const query = db
    .select({ invitation: invitations, organizationName: organizations.name })
    .from(invitations)
    .innerJoin(organizations, eq(organizations.id, invitations.organizationId))
    .where(eq(invitations.tokenHash, tokenHash))
    .limit(1);
  const [row] = lock ? await query.for('update', { of: invitations }) : await query;
  return row;
}

export async function markInvitationAccepted(db: Db, id: string, userId: string, now: Date) {
  await db.update(invitations).set({ acceptedAt: now, acceptedBy: userId }).where(eq(invitations.id, id));
}

export async function revokeInvitation(
  db: Db,
  organizationId: string,
  id: string,
  now: Date,
): Promise<boolean> {
  const rows = await db
    .update(invitations)
    .set({ revokedAt: now })
    .where(
      and(
        eq(invitations.organizationId, organizationId),
        eq(invitations.id, id),
        isNull(invitations.revokedAt),
        isNull(invitations.acceptedAt),
      ),
    )
    .returning({ id: invitations.id });
  return rows.length > 0;
}
