import { MemberList, Member, MemberParams, UpdateMemberBody } from '../../../common/schemas/accounts.js';
import { OrgParams } from '../../../common/schemas/common.js';
import type { AppContext } from '../../context.js';
import { authErrors, NoContent, type App } from '../../http.js';
import { orgAccess, type Guards } from '../auth/principal.js';
import { changeMemberRole, getMembers, removeMember } from './members.service.js';

export function registerMemberRoutes(app: App, ctx: AppContext, guards: Guards): void {
  const tags = ['members'];

  app.get(
    '/api/orgs/:orgId/members',
    {
      onRequest: guards.org('viewer'),
      schema: {
        tags,
        summary: 'Members and their roles',
        params: OrgParams,
        response: { 200: MemberList, ...authErrors },
      },
    },
    async (request) => ({ data: await getMembers(ctx, orgAccess(request).organizationId) }),
  );

  app.patch(
    '/api/orgs/:orgId/members/:userId',
    {
      onRequest: guards.org('admin'),
      schema: {
        tags,
        summary: "Change a member's role",
        params: MemberParams,
        body: UpdateMemberBody,
        response: { 200: Member, ...authErrors },
      },
    },
    async (request) => changeMemberRole(ctx, orgAccess(request), request.params.userId, request.body.role),
  );

  app.delete(
    '/api/orgs/:orgId/members/:userId',
    {
      // Anyone may leave; removing others is checked in the service (admins; owners for owners).
      onRequest: guards.org('viewer'),
      schema: {
        tags,
        summary: 'Remove a member, or leave',
        params: MemberParams,
        response: { 204: NoContent, ...authErrors },
      },
    },
    async (request, reply) => {
      await removeMember(ctx, orgAccess(request), request.params.userId);
      return reply.status(204).send(null);
    },
  );
}
