/**
 * Pushing an agent to Bolna. The platform's row is the source of truth; Bolna's copy is made to
 * match it, with `agent_config.webhook_url` pointing at this organization's webhook URL. A Bolna
 * outage leaves the agent `pending` and schedules a retry; a refusal leaves it `failed` with
 * Bolna's reason in words. A short lease on the row keeps two pushes of one agent from racing (and
 * from creating it twice at Bolna).
 */
import { and, eq, isNull, lt, or, sql } from 'drizzle-orm';
import {
  BolnaError,
  BolnaNotFoundError,
  BolnaRateLimitError,
  BolnaUnavailableError,
  buildAgentPayload,
} from '../../providers/bolna/index.js';
import type { AppContext } from '../../context.js';
import { agents } from '../../db/schema.js';
import { NotFound } from '../../errors.js';
import { getWebhookSettings } from '../orgs/orgs.service.js';
import { adoptOrphans } from '../webhooks/apply-event.js';
import { findAgentById, updateAgent, type AgentRow } from './agents.repository.js';

const LEASE_MS = 60_000;
const MAX_RETRY_DELAY_S = 15 * 60;

/** Seconds before the next attempt after `attempts` failures: 5 s, 10 s, 20 s … capped at 15 min. */
export function retryDelaySeconds(attempts: number): number {
  return Math.min(MAX_RETRY_DELAY_S, 5 * 2 ** Math.max(0, attempts - 1));
}

/** Takes the agent's sync lease; false when another push holds it. */
async function claimLease(ctx: AppContext, agentId: string): Promise<boolean> {
  const now = ctx.now();
  const rows = await ctx.db
    .update(agents)
    .set({ syncLeaseUntil: new Date(now.getTime() + LEASE_MS) })
    .where(and(eq(agents.id, agentId), or(isNull(agents.syncLeaseUntil), lt(agents.syncLeaseUntil, now))))
    .returning({ id: agents.id });
  return rows.length > 0;
}

/**
 * Makes Bolna's copy of the agent match ours (create, update, or delete for a deleted agent) and
 * records the outcome on the row. Returns the row as it now stands. Never throws for Bolna errors.
 */
export async function pushAgent(ctx: AppContext, agentId: string): Promise<AgentRow> {
  const current = await findAgentById(ctx.db, agentId);
  if (!current) throw new NotFound('Agent');
  if (!(await claimLease(ctx, agentId))) return current;
  try {
    return await pushWithLease(ctx, current);
  } finally {
    await ctx.db.update(agents).set({ syncLeaseUntil: null }).where(eq(agents.id, agentId));
  }
}

async function pushWithLease(ctx: AppContext, agent: AgentRow): Promise<AgentRow> {
  const { url: webhookUrl } = await getWebhookSettings(ctx, agent.organizationId);
  try {
    if (agent.deletedAt) {
      if (agent.providerAgentId) await deleteAtBolna(ctx, agent.providerAgentId);
      return (await updateAgent(ctx.db, agent.id, {
        syncStatus: 'synced',
        syncError: null,
        syncAttempts: 0,
      }))!;
    }
    const payload = buildAgentPayload({
      name: agent.name,
      welcomeMessage: agent.welcomeMessage,
      systemPrompt: agent.systemPrompt,
      language: agent.language,
      voice: agent.voice ?? undefined,
      llmModel: agent.llmModel ?? undefined,
      webhookUrl,
    });
    let providerAgentId =
      agent.providerAgentId ??
      (agent.syncAttempts > 0 ? await findEarlierCreate(ctx, agent, webhookUrl) : null);
    if (providerAgentId) {
      try {
        await ctx.bolna.updateAgent(providerAgentId, payload);
      } catch (err) {
        if (!(err instanceof BolnaNotFoundError)) throw err;
        providerAgentId = null; // deleted at Bolna behind our back: create it again
      }
    }
    if (!providerAgentId) {
      providerAgentId = (await ctx.bolna.createAgent(payload)).agentId;
      await updateAgent(ctx.db, agent.id, { providerAgentId });
    }
    const remote = await ctx.bolna.getAgent(providerAgentId);
    // Deliveries for this agent's calls that arrived before we knew the agent can be applied now.
    await adoptOrphans(ctx, agent.organizationId, { providerAgentId });
    return (await updateAgent(ctx.db, agent.id, {
      providerAgentId,
      syncStatus: 'synced',
      syncError: null,
      syncAttempts: 0,
      lastSyncedAt: ctx.now(),
      webhookUrl: remote.webhookUrl,
      webhookOk: remote.webhookUrl === webhookUrl,
    }))!;
  } catch (err) {
    if (!(err instanceof BolnaError)) throw err;
    const transient = err instanceof BolnaUnavailableError || err instanceof BolnaRateLimitError;
    const attempts = agent.syncAttempts + 1;
    const row = await updateAgent(ctx.db, agent.id, {
      syncStatus: transient ? 'pending' : 'failed',
      syncError: transient ? `Bolna could not be reached; retrying. (${err.message})` : err.message,
      syncAttempts: attempts,
    });
    if (transient)
      await ctx.jobs.send('agent.sync', { agentId: agent.id }, { startAfter: retryDelaySeconds(attempts) });
    return row!;
  }
}

async function deleteAtBolna(ctx: AppContext, providerAgentId: string): Promise<void> {
  try {
    await ctx.bolna.deleteAgent(providerAgentId);
  } catch (err) {
    if (!(err instanceof BolnaNotFoundError)) throw err;
  }
}

/**
 * After a create whose answer was lost (a timeout or a 5xx), Bolna may hold the agent already:
 * adopt an agent with the same name and our webhook URL that no agent of ours claims.
 */
async function findEarlierCreate(
  ctx: AppContext,
  agent: AgentRow,
  webhookUrl: string,
): Promise<string | null> {
  const candidates = (await ctx.bolna.listAgents()).filter(
    (a) => a.name === agent.name && a.webhookUrl === webhookUrl,
  );
  for (const candidate of candidates) {
    const [claimed] = await ctx.db
      .select({ n: sql<number>`count(*)::int` })
      .from(agents)
      .where(and(eq(agents.provider, 'bolna'), eq(agents.providerAgentId, candidate.id)));
    if (Number(claimed?.n ?? 0) === 0) return candidate.id;
  }
  return null;
}
