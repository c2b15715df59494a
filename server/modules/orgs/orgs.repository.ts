import { and, asc, eq, sql } from 'drizzle-orm';
import type { Db } from '../../db/index.js';
import { memberships, organizations } from '../../db/schema.js';
import type { Role } from '../../../common/roles.js';

export type OrganizationRow = typeof organizations.$inferSelect;

export async function insertOrganization(
  db: Db,
  values: { name: string; webhookTokenHash: string; webhookTokenEnc: string },
): Promise<OrganizationRow> {
  const [row] = await db.insert(organizations).values(values).returning();
  return row!;
}

export async function findOrganization(db: Db, id: string): Promise<OrganizationRow | undefined> {
  const [row] = await db.select().from(organizations).where(eq(organizations.id, id)).limit(1);
  return row;
}

/** Locks the organization row for the rest of the transaction (serialises member changes). */
export async function lockOrganization(db: Db, id: string): Promise<OrganizationRow | undefined> {
  const [row] = await db.select().from(organizations).where(eq(organizations.id, id)).for('update');
  return row;
}

/** The organizations a user belongs to, with the user's role in each, oldest first. */
export async function listOrganizationsForUser(db: Db, userId: string) {
  return db
    .select({ organization: organizations, role: memberships.role })
    .from(memberships)
    .innerJoin(organizations, eq(organizations.id, memberships.organizationId))
    .where(eq(memberships.userId, userId))
    .orderBy(asc(organizations.createdAt), asc(organizations.id));
}

export async function findMembershipRole(
  db: Db,
  organizationId: string,
  userId: string,
): Promise<Role | undefined> {
  const [row] = await db
    .select({ role: memberships.role })
    .from(memberships)
    .where(and(eq(memberships.organizationId, organizationId), eq(memberships.userId, userId)))
    .limit(1);
  return row?.role as Role | undefined;
}

export async function updateOrganizationName(db: Db, id: string, name: string, now: Date) {
  const [row] = await db
    .update(organizations)
    .set({ name, updatedAt: now })
    .where(eq(organizations.id, id))
    .returning();
  return row;
}

export async function setWebhookToken(
  db: Db,
  id: string,
  values: { webhookTokenHash: string; webhookTokenEnc: string },
  now: Date,
) {
  const [row] = await db
    .update(organizations)
    .set({ ...values, webhookTokenRotatedAt: now, updatedAt: now })
    .where(eq(organizations.id, id))
    .returning();
  return row;
}

/** Resolves a webhook token (by its digest) to its organization. */
export async function findOrganizationByWebhookTokenHash(db: Db, hash: string) {
  const [row] = await db
    .select({ id: organizations.id })
    .from(organizations)
    .where(eq(organizations.webhookTokenHash, sql`${hash}`))
    .limit(1);
  return row;
}

/** Every organization, oldest first (platform operator only). */
export async function listAllOrganizations(db: Db): Promise<OrganizationRow[]> {
  return db.select().from(organizations).orderBy(asc(organizations.createdAt), asc(organizations.id));
}
