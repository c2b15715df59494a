import { Call, CallList, CallParams, ListCallsQuery, StartCallBody } from '../../../common/schemas/calls.js';
import { OrgParams } from '../../../common/schemas/common.js';
import type { AppContext } from '../../context.js';
import { authErrors, NoContent, type App } from '../../http.js';
import { orgAccess, type Guards } from '../auth/principal.js';
import { getCall, getCalls, removeCall, startCall } from './calls.service.js';

export function registerCallRoutes(app: App, ctx: AppContext, guards: Guards): void {
  const tags = ['calls'];

  app.post(
    '/api/orgs/:orgId/calls',
    {
      onRequest: guards.org('member'),
      schema: {
        tags,
        summary: 'Start a call: the call exists (initiated) before Bolna is asked',
        params: OrgParams,
        body: StartCallBody,
        response: { 201: Call, 409: authErrors[400], ...authErrors },
      },
    },
    async (request, reply) => reply.status(201).send(await startCall(ctx, orgAccess(request), request.body)),
  );

  app.get(
    '/api/orgs/:orgId/calls',
    {
      onRequest: guards.org('viewer'),
      schema: {
        tags,
        summary: 'Calls, newest first, with cursor pagination and filters',
        params: OrgParams,
        querystring: ListCallsQuery,
        response: { 200: CallList, ...authErrors },
      },
    },
    async (request) => getCalls(ctx, orgAccess(request).organizationId, request.query),
  );

  app.get(
    '/api/orgs/:orgId/calls/:callId',
    {
      onRequest: guards.org('viewer'),
      schema: { tags, summary: 'One call', params: CallParams, response: { 200: Call, ...authErrors } },
    },
    async (request) => getCall(ctx, orgAccess(request).organizationId, request.params.callId),
  );

  app.delete(
    '/api/orgs/:orgId/calls/:callId',
    {
      onRequest: guards.org('admin'),
      schema: {
        tags,
        summary: 'Delete a call from the history',
        params: CallParams,
        response: { 204: NoContent, ...authErrors },
      },
    },
    async (request, reply) => {
      await removeCall(ctx, orgAccess(request).organizationId, request.params.callId);
      return reply.status(204).send(null);
    },
  );
}
