import { eq, sql } from 'drizzle-orm';
import type { Db } from '../../db/index.js';
import { users } from '../../db/schema.js';
import { iso } from '../../context.js';

export type UserRow = typeof users.$inferSelect;

/** The public shape of a user; never includes the password hash. */
export function toApiUser(row: UserRow) {
  return { id: row.id, email: row.email, name: row.name, createdAt: iso(row.createdAt) };
}

/** Emails are unique case-insensitively; the stored spelling is the one first given. */
export async function findUserByEmail(db: Db, email: string): Promise<UserRow | undefined> {
  const [row] = await db
    .select()
    .from(users)
    .where(sql`lower(${users.email}) = lower(${email})`)
    .limit(1);
  return row;
}

export async function findUserById(db: Db, id: string): Promise<UserRow | undefined> {
  const [row] = await db.select().from(users).where(eq(users.id, id)).limit(1);
  return row;
}

export async function insertUser(
  db: Db,
  values: { email: string; name: string; passwordHash: string },
): Promise<UserRow> {
  const [row] = await db.insert(users).values(values).returning();
  return row!;
}
