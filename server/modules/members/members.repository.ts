import { and, asc, eq, sql } from 'drizzle-orm';
import type { Db } from '../../db/index.js';
import { memberships, users } from '../../db/schema.js';
import type { Role } from '../../../common/roles.js';

export async function insertMembership(
  db: Db,
  values: { organizationId: string; userId: string; role: Role },
) {
  await db.insert(memberships).values(values);
}

/** Adds a membership, or raises the role of an existing one (never lowers it). */
export async function upsertMembership(
  db: Db,
  values: { organizationId: string; userId: string; role: Role },
) {
  await db
    .insert(memberships)
    .values(values)
    .onConflictDoUpdate({
      target: [memberships.organizationId, memberships.userId],
      set: {
        role: sql`CASE WHEN array_position(ARRAY['viewer','member','admin','owner'], excluded.role)
                        > array_position(ARRAY['viewer','member','admin','owner'], ${memberships.role})
                       THEN excluded.role ELSE ${memberships.role} END`,
      },
    });
}

export async function listMembers(db: Db, organizationId: string) {
  return db
    .select({
      userId: users.id,
      email: users.email,
      name: users.name,
      role: memberships.role,
      joinedAt: memberships.createdAt,
    })
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(eq(memberships.organizationId, organizationId))
    .orderBy(asc(memberships.createdAt), asc(users.email));
}

export async function findMember(db: Db, organizationId: string, userId: string) {
  const [row] = await db
    .select({
      userId: users.id,
      email: users.email,
      name: users.name,
      role: memberships.role,
      joinedAt: memberships.createdAt,
    })
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(and(eq(memberships.organizationId, organizationId), eq(memberships.userId, userId)))
    .limit(1);
  return row;
}

export async function countOwners(db: Db, organizationId: string): Promise<number> {
  const [row] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(memberships)
    .where(and(eq(memberships.organizationId, organizationId), eq(memberships.role, 'owner')));
  return Number(row?.n ?? 0);
}

export async function updateMemberRole(db: Db, organizationId: string, userId: string, role: Role) {
  await db
    .update(memberships)
    .set({ role })
    .where(and(eq(memberships.organizationId, organizationId), eq(memberships.userId, userId)));
}

export async function deleteMembership(db: Db, organizationId: string, userId: string) {
  await db
    .delete(memberships)
    .where(and(eq(memberships.organizationId, organizationId), eq(memberships.userId, userId)));
}
