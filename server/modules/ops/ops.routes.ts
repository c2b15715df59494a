/** Operator endpoints (the CLI's chores), per organization and platform-wide (`ADMIN_TOKEN`). */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { OrgParams } from '../../../common/schemas/common.js';
import { WebhookEvent } from '../../../common/schemas/events.js';
import {
  AdminOrgList,
  AgentSyncResult,
  CallsSyncBody,
  CallsSyncResult,
  ConfigureWebhooksBody,
  Diagnostics,
  EventParams,
  ExportQuery,
  PingResult,
  ReapStaleBody,
  ReapStaleResult,
  WebhookConfigureResult,
} from '../../../common/schemas/ops.js';
import { iso, type AppContext } from '../../context.js';
import { NotFound } from '../../errors.js';
import { authErrors, type App } from '../../http.js';
import { orgAccess, type Guards } from '../auth/principal.js';
import { reconcileStaleCalls } from '../calls/reconcile.js';
import { listAllOrganizations } from '../orgs/orgs.repository.js';
import { findEvent, toApiEvent } from '../webhooks/webhook-events.repository.js';
import { configureWebhooks, syncAllAgents, syncCalls } from './bolna-chores.js';
import { diagnose } from './diagnostics.js';
import { countCalls, exportCalls } from './export.js';

export function registerOpsRoutes(app: App, ctx: AppContext, guards: Guards): void {
  const tags = ['operations'];

  app.get(
    '/api/orgs/:orgId/calls/export',
    {
      onRequest: guards.org('viewer'),
      schema: {
        tags,
        summary: 'Stream the call history as CSV or a JSON array (x-total-count: rows to come)',
        params: OrgParams,
        querystring: ExportQuery,
        response: {
          200: z.string().describe('CSV (header row first) or a JSON array of calls, streamed'),
          ...authErrors,
        },
      },
    },
    async (request, reply) => {
      const { organizationId } = orgAccess(request);
      const { format, status } = request.query;
      const filters = {
        status,
        from: request.query.from ? new Date(request.query.from) : undefined,
        to: request.query.to ? new Date(request.query.to) : undefined,
      };
      const total = await countCalls(ctx, organizationId, filters);
      const stamp = iso(ctx.now()).slice(0, 10);
      return (
        reply
          .header('x-total-count', String(total))
          .header('content-disposition', `attachment; filename="calls-${stamp}.${format}"`)
          .type(format === 'csv' ? 'text/csv; charset=utf-8' : 'application/json; charset=utf-8')
          // A stream is piped as is; the schema above documents what it carries.
          .send(exportCalls(ctx, organizationId, filters, format) as unknown as string)
      );
    },
  );

  app.post(
    '/api/orgs/:orgId/agents/webhooks/configure',
    {
      onRequest: guards.org('admin'),
      schema: {
        tags,
        summary: "Point every agent's Bolna webhook at this organization's URL (idempotent)",
        params: OrgParams,
        body: ConfigureWebhooksBody,
        response: { 200: WebhookConfigureResult, ...authErrors },
      },
    },
    async (request) => configureWebhooks(ctx, orgAccess(request).organizationId, request.body?.baseUrl),
  );

  app.post(
    '/api/orgs/:orgId/agents/sync',
    {
      onRequest: guards.org('member'),
      schema: {
        tags,
        summary: 'Push every agent to Bolna',
        params: OrgParams,
        response: { 200: AgentSyncResult, ...authErrors },
      },
    },
    async (request) => syncAllAgents(ctx, orgAccess(request).organizationId),
  );

  app.post(
    '/api/orgs/:orgId/calls/sync',
    {
      onRequest: guards.org('admin'),
      schema: {
        tags,
        summary: "Pull the agents' executions from Bolna (7-day windows, pages of 50) through the merge",
        params: OrgParams,
        body: CallsSyncBody,
        response: { 200: CallsSyncResult, ...authErrors },
      },
    },
    async (request) =>
      syncCalls(
        ctx,
        orgAccess(request).organizationId,
        request.body?.since ? new Date(request.body.since) : undefined,
      ),
  );

  app.get(
    '/api/orgs/:orgId/webhook-events/:eventId',
    {
      onRequest: guards.org('admin'),
      schema: {
        tags,
        summary: 'One stored delivery',
        params: EventParams,
        response: { 200: WebhookEvent, ...authErrors },
      },
    },
    async (request) => {
      const row = await findEvent(ctx.db, orgAccess(request).organizationId, request.params.eventId);
      if (!row) throw new NotFound('Delivery');
      return toApiEvent(row);
    },
  );

  app.get(
    '/api/orgs/:orgId/diagnostics',
    {
      onRequest: guards.org('admin'),
      schema: {
        tags,
        summary: "Bolna reachable, each agent's webhook URL at Bolna, calls stuck per status",
        params: OrgParams,
        response: { 200: Diagnostics, ...authErrors },
      },
    },
    async (request) => diagnose(ctx, orgAccess(request).organizationId),
  );

  app.post(
    '/api/orgs/:orgId/realtime/ping',
    {
      onRequest: guards.org('viewer'),
      schema: {
        tags,
        summary: "Emit `system:ping` to the organization's sockets (a live-delivery check)",
        params: OrgParams,
        response: { 200: PingResult, ...authErrors },
      },
    },
    async (request) => {
      const nonce = randomUUID();
      ctx.realtime.ping(orgAccess(request).organizationId, nonce);
      return { nonce, sentAt: iso(ctx.now()) };
    },
  );

  app.post(
    '/api/orgs/:orgId/calls/reap-stale',
    {
      onRequest: guards.org('admin'),
      schema: {
        tags,
        summary: 'Reconcile calls not final after a while, now (dry run possible)',
        params: OrgParams,
        body: ReapStaleBody,
        response: { 200: ReapStaleResult, ...authErrors },
      },
    },
    async (request) =>
      reconcileStaleCalls(ctx, {
        organizationId: orgAccess(request).organizationId,
        olderThanMs: request.body?.olderThanMinutes ? request.body.olderThanMinutes * 60_000 : undefined,
        dryRun: request.body?.dryRun,
      }),
  );

  app.get(
    '/api/admin/orgs',
    {
      onRequest: guards.platformAdmin,
      schema: {
        tags,
        summary: 'Every organization (ADMIN_TOKEN)',
        response: { 200: AdminOrgList, ...authErrors },
      },
    },
    async () => ({
      data: (await listAllOrganizations(ctx.db)).map((o) => ({
        id: o.id,
        name: o.name,
        createdAt: iso(o.createdAt),
      })),
    }),
  );

  app.post(
    '/api/admin/calls/reap-stale',
    {
      onRequest: guards.platformAdmin,
      schema: {
        tags,
        summary: 'Reconcile stale calls of every organization (ADMIN_TOKEN)',
        body: ReapStaleBody,
        response: { 200: ReapStaleResult, ...authErrors },
      },
    },
    async (request) =>
      reconcileStaleCalls(ctx, {
        olderThanMs: request.body?.olderThanMinutes ? request.body.olderThanMinutes * 60_000 : undefined,
        dryRun: request.body?.dryRun,
      }),
  );
}
