import {
  AcceptInvitationBody,
  AcceptInvitationResponse,
  CreateInvitationBody,
  CreatedInvitation,
  InvitationList,
  InvitationParams,
  InvitationPreview,
  InvitationTokenParams,
} from '../../../common/schemas/accounts.js';
import { ErrorBody, OrgParams } from '../../../common/schemas/common.js';
import type { AppContext } from '../../context.js';
import { authErrors, NoContent, type App } from '../../http.js';
import { clientInfo, setSessionCookie } from '../auth/auth.routes.js';
import { orgAccess, resolvePrincipal, type Guards } from '../auth/principal.js';
import {
  acceptInvitation,
  cancelInvitation,
  createInvitation,
  getInvitations,
  previewInvitation,
} from './invitations.service.js';

export function registerInvitationRoutes(app: App, ctx: AppContext, guards: Guards): void {
  const tags = ['invitations'];

  app.get(
    '/api/orgs/:orgId/invitations',
    {
      onRequest: guards.org('admin'),
      schema: {
        tags,
        summary: 'Invitations of an organization',
        params: OrgParams,
        response: { 200: InvitationList, ...authErrors },
      },
    },
    async (request) => ({ data: await getInvitations(ctx, orgAccess(request).organizationId) }),
  );

  app.post(
    '/api/orgs/:orgId/invitations',
    {
      onRequest: guards.org('admin'),
      schema: {
        tags,
        summary: 'Invite an email with a role; returns a one-time link to pass on',
        params: OrgParams,
        body: CreateInvitationBody,
        response: { 201: CreatedInvitation, ...authErrors },
      },
    },
    async (request, reply) => {
      const created = await createInvitation(ctx, orgAccess(request), request.body.email, request.body.role);
      return reply.status(201).send(created);
    },
  );

  app.delete(
    '/api/orgs/:orgId/invitations/:invitationId',
    {
      onRequest: guards.org('admin'),
      schema: {
        tags,
        summary: 'Revoke a pending invitation',
        params: InvitationParams,
        response: { 204: NoContent, ...authErrors },
      },
    },
    async (request, reply) => {
      await cancelInvitation(ctx, orgAccess(request).organizationId, request.params.invitationId);
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/api/invitations/:token',
    {
      schema: {
        tags,
        summary: 'What an invitation offers, before accepting',
        security: [],
        params: InvitationTokenParams,
        response: { 200: InvitationPreview, 404: ErrorBody },
      },
    },
    async (request) => previewInvitation(ctx, request.params.token),
  );

  app.post(
    '/api/invitations/:token/accept',
    {
      schema: {
        tags,
        summary: 'Accept an invitation: signed in as the invited email, or signing up with name and password',
        security: [],
        params: InvitationTokenParams,
        body: AcceptInvitationBody,
        response: { 200: AcceptInvitationResponse, 409: ErrorBody, ...authErrors },
      },
    },
    async (request, reply) => {
      const principal = await resolvePrincipal(ctx, request);
      const userId = principal?.kind === 'user' ? principal.userId : null;
      const result = await acceptInvitation(
        ctx,
        request.params.token,
        { userId, signup: request.body ?? {} },
        clientInfo(request),
      );
      if (result.session) setSessionCookie(ctx, reply, result.session);
      return { user: result.user, organization: result.organization };
    },
  );
}
