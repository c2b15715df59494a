import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { AgentRecord, SimulatorEngine } from './engine.js';
import { naiveTimestamp } from './execution.js';
import { bearerKey, pydanticDetail } from './guard.js';

/** Bolna's agents v2 endpoints: create, read, list, replace, patch, delete. */

const task = z.looseObject({
  task_type: z.string(),
  tools_config: z.looseObject({}),
  toolchain: z.looseObject({ execution: z.string(), pipelines: z.array(z.array(z.string())) }),
  task_config: z.looseObject({}).optional(),
});

const prompts = z.record(z.string(), z.looseObject({ system_prompt: z.string() }));

const agentBody = z.looseObject({
  agent_config: z.looseObject({
    agent_name: z.string().min(1),
    tasks: z.array(task).min(1),
    agent_welcome_message: z.string().optional(),
    agent_type: z.string().optional(),
    webhook_url: z.string().nullish(),
  }),
  agent_prompts: prompts.optional(),
});

/** PATCH accepts only these `agent_config` keys (Bolna's documented list); anything else is a 422. */
const patchBody = z.strictObject({
  agent_config: z
    .strictObject({
      agent_name: z.string().min(1),
      agent_welcome_message: z.string(),
      webhook_url: z.string().nullable(),
      synthesizer: z.looseObject({}),
      ingest_source_config: z.looseObject({}),
      telephony_provider: z.string(),
    })
    .partial()
    .optional(),
  agent_prompts: prompts.optional(),
});

type IdParams = { Params: { agentId: string } };

/** The agent object of GET: configuration flattened at the top level, like Bolna's answer. */
export function agentView(agent: AgentRecord): Record<string, unknown> {
  return {
    id: agent.id,
    ...agent.config,
    agent_status: 'processed',
    created_at: agent.createdAt,
    updated_at: agent.updatedAt,
    agent_prompts: agent.prompts,
  };
}

/** Finds an agent visible to the request's key, or answers 404 and returns null. */
export function findAgent(
  engine: SimulatorEngine,
  request: FastifyRequest,
  reply: FastifyReply,
  agentId: string,
): AgentRecord | null {
  const agent = engine.agents.get(agentId);
  if (!agent || agent.ownerKey !== bearerKey(request)) {
    void reply.code(404).send({ detail: `Agent ${agentId} not found` });
    return null;
  }
  return agent;
}

/** Registers the agent routes on the (guarded) Bolna API scope. */
export function registerAgentRoutes(app: FastifyInstance, engine: SimulatorEngine): void {
  app.post('/v2/agent', async (request, reply) => {
    const parsed = agentBody.safeParse(request.body);
    if (!parsed.success) return reply.code(422).send({ detail: pydanticDetail(parsed.error) });
    const agent = engine.createAgent(
      bearerKey(request) ?? '',
      { ...parsed.data.agent_config },
      parsed.data.agent_prompts ?? null,
    );
    return reply.code(201).send({ agent_id: agent.id, state: 'created' });
  });

  app.get('/v2/agent/all', async (request) => {
    const key = bearerKey(request);
    return [...engine.agents.values()].filter((agent) => agent.ownerKey === key).map(agentView);
  });

  app.get<IdParams>('/v2/agent/:agentId', async (request, reply) => {
    const agent = findAgent(engine, request, reply, request.params.agentId);
    return agent ? agentView(agent) : reply;
  });

  app.put<IdParams>('/v2/agent/:agentId', async (request, reply) => {
    const agent = findAgent(engine, request, reply, request.params.agentId);
    if (!agent) return reply;
    const parsed = agentBody.safeParse(request.body);
    if (!parsed.success) return reply.code(422).send({ detail: pydanticDetail(parsed.error) });
    agent.config = { ...parsed.data.agent_config };
    agent.prompts = parsed.data.agent_prompts ?? null;
    agent.updatedAt = naiveTimestamp(new Date());
    return { agent_id: agent.id, status: 'updated' };
  });

  app.patch<IdParams>('/v2/agent/:agentId', async (request, reply) => {
    const agent = findAgent(engine, request, reply, request.params.agentId);
    if (!agent) return reply;
    const parsed = patchBody.safeParse(request.body ?? {});
    if (!parsed.success) return reply.code(422).send({ detail: pydanticDetail(parsed.error) });
    agent.config = { ...agent.config, ...parsed.data.agent_config };
    if (parsed.data.agent_prompts) agent.prompts = { ...agent.prompts, ...parsed.data.agent_prompts };
    agent.updatedAt = naiveTimestamp(new Date());
    return { message: 'success', state: 'updated' };
  });

  app.delete<IdParams>('/v2/agent/:agentId', async (request, reply) => {
    const agent = findAgent(engine, request, reply, request.params.agentId);
    if (!agent) return reply;
    engine.agents.delete(agent.id);
    return { message: 'success', state: 'deleted' };
  });
}
