import { OrgParams } from '../../../common/schemas/common.js';
import { MetricsQuery, OrgMetrics } from '../../../common/schemas/metrics.js';
import type { AppContext } from '../../context.js';
import { authErrors, type App } from '../../http.js';
import { orgAccess, type Guards } from '../auth/principal.js';
import { getOrgMetrics } from './metrics.service.js';

export function registerMetricsRoutes(app: App, ctx: AppContext, guards: Guards): void {
  app.get(
    '/api/orgs/:orgId/metrics',
    {
      onRequest: guards.org('viewer'),
      schema: {
        tags: ['metrics'],
        summary: 'Call metrics of the organization over a range of UTC days (default: the last 30)',
        params: OrgParams,
        querystring: MetricsQuery,
        response: { 200: OrgMetrics, ...authErrors },
      },
    },
    async (request) => getOrgMetrics(ctx, orgAccess(request).organizationId, request.query),
  );
}
