import {
  CreateOrgBody,
  OrgList,
  Organization,
  UpdateOrgBody,
  WebhookSettings,
} from '../../../common/schemas/accounts.js';
import { ErrorBody, OrgParams } from '../../../common/schemas/common.js';
import type { AppContext } from '../../context.js';
import { authErrors, type App } from '../../http.js';
import { orgAccess, type Guards } from '../auth/principal.js';
import { findOrganization, listAllOrganizations } from './orgs.repository.js';
import {
  createOrganization,
  getOrganization,
  getWebhookSettings,
  listOrganizations,
  renameOrganization,
  rotateWebhookToken,
  toApiOrganization,
} from './orgs.service.js';

export function registerOrgRoutes(app: App, ctx: AppContext, guards: Guards): void {
  const tags = ['organizations'];

  app.get(
    '/api/orgs',
    {
      onRequest: guards.any,
      schema: {
        tags,
        summary: 'Organizations the caller can see',
        response: { 200: OrgList, 401: ErrorBody },
      },
    },
    async (request) => {
      const principal = request.principal!;
      if (principal.kind === 'user') return { data: await listOrganizations(ctx, principal.userId) };
      if (principal.kind === 'admin') {
        return { data: (await listAllOrganizations(ctx.db)).map((o) => toApiOrganization(o, 'admin')) };
      }
      const org = await findOrganization(ctx.db, principal.organizationId);
      return { data: org ? [toApiOrganization(org, principal.role)] : [] };
    },
  );

  app.post(
    '/api/orgs',
    {
      onRequest: guards.user,
      schema: {
        tags,
        summary: 'Create an organization; the creator is its owner',
        body: CreateOrgBody,
        response: { 201: Organization, ...authErrors },
      },
    },
    async (request, reply) => {
      const principal = request.principal!;
      const userId = principal.kind === 'user' ? principal.userId : '';
      const org = await ctx.db.transaction((tx) => createOrganization(ctx, tx, request.body.name, userId));
      return reply.status(201).send(org);
    },
  );

  app.get(
    '/api/orgs/:orgId',
    {
      onRequest: guards.org('viewer'),
      schema: {
        tags,
        summary: 'One organization',
        params: OrgParams,
        response: { 200: Organization, ...authErrors },
      },
    },
    async (request) => {
      const access = orgAccess(request);
      return getOrganization(ctx, access.organizationId, access.role);
    },
  );

  app.patch(
    '/api/orgs/:orgId',
    {
      onRequest: guards.org('admin'),
      schema: {
        tags,
        summary: 'Rename an organization',
        params: OrgParams,
        body: UpdateOrgBody,
        response: { 200: Organization, ...authErrors },
      },
    },
    async (request) => {
      const access = orgAccess(request);
      return renameOrganization(ctx, access.organizationId, access.role, request.body.name);
    },
  );

  app.get(
    '/api/orgs/:orgId/webhook',
    {
      onRequest: guards.org('admin'),
      schema: {
        tags,
        summary: 'The webhook URL and token for Bolna agents',
        params: OrgParams,
        response: { 200: WebhookSettings, ...authErrors },
      },
    },
    async (request) => getWebhookSettings(ctx, orgAccess(request).organizationId),
  );

  app.post(
    '/api/orgs/:orgId/webhook/rotate',
    {
      onRequest: guards.org('admin'),
      schema: {
        tags,
        summary: 'Replace the webhook token; the old one stops working at once',
        params: OrgParams,
        response: { 200: WebhookSettings, ...authErrors },
      },
    },
    async (request) => rotateWebhookToken(ctx, orgAccess(request).organizationId),
  );
}
