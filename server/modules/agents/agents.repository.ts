import { and, asc, eq, isNull } from 'drizzle-orm';
import type { Db } from '../../db/index.js';
import { agents } from '../../db/schema.js';
import { iso } from '../../context.js';
import type { Agent } from '../../../common/schemas/agents.js';

export type AgentRow = typeof agents.$inferSelect;
export type AgentInsert = typeof agents.$inferInsert;

export function toApiAgent(row: AgentRow): Agent {
  return {
    id: row.id,
    organizationId: row.organizationId,
    name: row.name,
    welcomeMessage: row.welcomeMessage,
    systemPrompt: row.systemPrompt,
    language: row.language,
    voice: row.voice,
    llmModel: row.llmModel,
    fromNumber: row.fromNumber,
    provider: 'bolna',
    providerAgentId: row.providerAgentId,
    syncStatus: row.syncStatus as Agent['syncStatus'],
    syncError: row.syncError,
    lastSyncedAt: iso(row.lastSyncedAt),
    webhookUrl: row.webhookUrl,
    webhookOk: row.webhookOk,
    createdAt: iso(row.createdAt),
    updatedAt: iso(row.updatedAt),
  };
}

export async function insertAgent(db: Db, values: AgentInsert): Promise<AgentRow> {
  const [row] = await db.insert(agents).values(values).returning();
  return row!;
}

/** Live (not deleted) agents of an organization, oldest first. */
export async function listAgents(db: Db, organizationId: string): Promise<AgentRow[]> {
  return db
    .select()
    .from(agents)
    .where(and(eq(agents.organizationId, organizationId), isNull(agents.deletedAt)))
    .orderBy(asc(agents.createdAt), asc(agents.id));
}

/** A live agent of the organization; another organization's agent is not found. */
export async function findAgent(db: Db, organizationId: string, id: string): Promise<AgentRow | undefined> {
  const [row] = await db
    .select()
    .from(agents)
    .where(and(eq(agents.organizationId, organizationId), eq(agents.id, id), isNull(agents.deletedAt)))
    .limit(1);
  return row;
}

/** Any agent by id, deleted or not: for background sync, which already knows the organization. */
export async function findAgentById(db: Db, id: string): Promise<AgentRow | undefined> {
  const [row] = await db.select().from(agents).where(eq(agents.id, id)).limit(1);
  return row;
}

export async function findAgentByProviderId(db: Db, providerAgentId: string): Promise<AgentRow | undefined> {
  const [row] = await db
    .select()
    .from(agents)
    .where(and(eq(agents.provider, 'bolna'), eq(agents.providerAgentId, providerAgentId)))
    .limit(1);
  return row;
}

export async function updateAgent(
  db: Db,
  id: string,
  values: Partial<AgentInsert>,
): Promise<AgentRow | undefined> {
  const [row] = await db.update(agents).set(values).where(eq(agents.id, id)).returning();
  return row;
}
