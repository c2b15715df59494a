import {
  ApiKeyList,
  ApiKeyParams,
  CreateApiKeyBody,
  CreatedApiKey,
} from '../../../common/schemas/accounts.js';
import { OrgParams } from '../../../common/schemas/common.js';
import type { AppContext } from '../../context.js';
import { authErrors, NoContent, type App } from '../../http.js';
import { orgAccess, type Guards } from '../auth/principal.js';
import { createApiKey, deleteApiKey, getApiKeys } from './api-keys.service.js';

export function registerApiKeyRoutes(app: App, ctx: AppContext, guards: Guards): void {
  const tags = ['api-keys'];

  app.get(
    '/api/orgs/:orgId/api-keys',
    {
      onRequest: guards.org('admin'),
      schema: {
        tags,
        summary: 'Active API keys (never the secret)',
        params: OrgParams,
        response: { 200: ApiKeyList, ...authErrors },
      },
    },
    async (request) => ({ data: await getApiKeys(ctx, orgAccess(request).organizationId) }),
  );

  app.post(
    '/api/orgs/:orgId/api-keys',
    {
      onRequest: guards.org('admin'),
      schema: {
        tags,
        summary: 'Create an API key; the key is in this answer only',
        params: OrgParams,
        body: CreateApiKeyBody,
        response: { 201: CreatedApiKey, ...authErrors },
      },
    },
    async (request, reply) => {
      const created = await createApiKey(ctx, orgAccess(request), request.body.name, request.body.role);
      return reply.status(201).send(created);
    },
  );

  app.delete(
    '/api/orgs/:orgId/api-keys/:keyId',
    {
      onRequest: guards.org('admin'),
      schema: {
        tags,
        summary: 'Revoke an API key',
        params: ApiKeyParams,
        response: { 204: NoContent, ...authErrors },
      },
    },
    async (request, reply) => {
      await deleteApiKey(ctx, orgAccess(request).organizationId, request.params.keyId);
      return reply.status(204).send(null);
    },
  );
}
