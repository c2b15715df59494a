import {
  AgentList,
  Agent,
  AgentParams,
  CreateAgentBody,
  UpdateAgentBody,
} from '../../../common/schemas/agents.js';
import { OrgParams } from '../../../common/schemas/common.js';
import type { AppContext } from '../../context.js';
import { authErrors, NoContent, type App } from '../../http.js';
import { orgAccess, type Guards } from '../auth/principal.js';
import { createAgent, deleteAgent, editAgent, getAgent, getAgents, syncAgent } from './agents.service.js';

export function registerAgentRoutes(app: App, ctx: AppContext, guards: Guards): void {
  const tags = ['agents'];

  app.get(
    '/api/orgs/:orgId/agents',
    {
      onRequest: guards.org('viewer'),
      schema: {
        tags,
        summary: 'Voice agents with their Bolna sync state',
        params: OrgParams,
        response: { 200: AgentList, ...authErrors },
      },
    },
    async (request) => ({ data: await getAgents(ctx, orgAccess(request).organizationId) }),
  );

  app.post(
    '/api/orgs/:orgId/agents',
    {
      onRequest: guards.org('member'),
      schema: {
        tags,
        summary: 'Create an agent; it is pushed to Bolna with this organization’s webhook URL',
        params: OrgParams,
        body: CreateAgentBody,
        response: { 201: Agent, ...authErrors },
      },
    },
    async (request, reply) =>
      reply.status(201).send(await createAgent(ctx, orgAccess(request).organizationId, request.body)),
  );

  app.get(
    '/api/orgs/:orgId/agents/:agentId',
    {
      onRequest: guards.org('viewer'),
      schema: { tags, summary: 'One agent', params: AgentParams, response: { 200: Agent, ...authErrors } },
    },
    async (request) => getAgent(ctx, orgAccess(request).organizationId, request.params.agentId),
  );

  app.patch(
    '/api/orgs/:orgId/agents/:agentId',
    {
      onRequest: guards.org('member'),
      schema: {
        tags,
        summary: 'Edit an agent; the change is pushed to Bolna',
        params: AgentParams,
        body: UpdateAgentBody,
        response: { 200: Agent, ...authErrors },
      },
    },
    async (request) =>
      editAgent(ctx, orgAccess(request).organizationId, request.params.agentId, request.body),
  );

  app.delete(
    '/api/orgs/:orgId/agents/:agentId',
    {
      onRequest: guards.org('member'),
      schema: {
        tags,
        summary: 'Delete an agent here and at Bolna; its calls stay',
        params: AgentParams,
        response: { 204: NoContent, ...authErrors },
      },
    },
    async (request, reply) => {
      await deleteAgent(ctx, orgAccess(request).organizationId, request.params.agentId);
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/api/orgs/:orgId/agents/:agentId/sync',
    {
      onRequest: guards.org('member'),
      schema: {
        tags,
        summary: 'Push the agent to Bolna again',
        params: AgentParams,
        response: { 200: Agent, ...authErrors },
      },
    },
    async (request) => syncAgent(ctx, orgAccess(request).organizationId, request.params.agentId),
  );
}
