/** Agents: the platform's record of each voice agent, pushed to Bolna on every change. */
import type { z } from 'zod';
import type { CreateAgentBody, UpdateAgentBody } from '../../../common/schemas/agents.js';
import type { AppContext } from '../../context.js';
import { NotFound } from '../../errors.js';
import { pushAgent } from './agent-sync.js';
import { findAgent, insertAgent, listAgents, toApiAgent, updateAgent } from './agents.repository.js';

export async function getAgents(ctx: AppContext, organizationId: string) {
  return (await listAgents(ctx.db, organizationId)).map(toApiAgent);
}

export async function getAgent(ctx: AppContext, organizationId: string, agentId: string) {
  const row = await findAgent(ctx.db, organizationId, agentId);
  if (!row) throw new NotFound('Agent');
  return toApiAgent(row);
}

/** Creates the agent, then pushes it to Bolna; the answer carries the sync outcome. */
export async function createAgent(
  ctx: AppContext,
  organizationId: string,
  input: z.output<typeof CreateAgentBody>,
) {
  const row = await insertAgent(ctx.db, {
    organizationId,
    name: input.name,
    welcomeMessage: input.welcomeMessage,
    systemPrompt: input.systemPrompt,
    language: input.language,
    voice: input.voice ?? null,
    llmModel: input.llmModel ?? null,
    fromNumber: input.fromNumber ?? null,
  });
  return toApiAgent(await pushAgent(ctx, row.id));
}

export async function editAgent(
  ctx: AppContext,
  organizationId: string,
  agentId: string,
  input: z.output<typeof UpdateAgentBody>,
) {
  const existing = await findAgent(ctx.db, organizationId, agentId);
  if (!existing) throw new NotFound('Agent');
  await updateAgent(ctx.db, agentId, { ...input, syncStatus: 'pending', updatedAt: ctx.now() });
  return toApiAgent(await pushAgent(ctx, agentId));
}

/** Pushes the agent to Bolna again (after an outage, or to repair its webhook URL). */
export async function syncAgent(ctx: AppContext, organizationId: string, agentId: string) {
  if (!(await findAgent(ctx.db, organizationId, agentId))) throw new NotFound('Agent');
  return toApiAgent(await pushAgent(ctx, agentId));
}

/** Removes the agent from the platform and from Bolna; its calls stay in the history. */
export async function deleteAgent(ctx: AppContext, organizationId: string, agentId: string): Promise<void> {
  if (!(await findAgent(ctx.db, organizationId, agentId))) throw new NotFound('Agent');
  await updateAgent(ctx.db, agentId, { deletedAt: ctx.now(), syncStatus: 'pending', updatedAt: ctx.now() });
  await pushAgent(ctx, agentId);
}
