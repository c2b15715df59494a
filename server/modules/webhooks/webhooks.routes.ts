import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { CallParams } from '../../../common/schemas/calls.js';
import { ErrorBody } from '../../../common/schemas/common.js';
import { ReplayResult, WebhookAccepted, WebhookEventList } from '../../../common/schemas/events.js';
import type { AppContext } from '../../context.js';
import { authErrors, type App } from '../../http.js';
import { createIpAllowlist } from '../../lib/ip-allowlist.js';
import { orgAccess, type Guards } from '../auth/principal.js';
import { BOLNA_WEBHOOK_PATH } from '../orgs/orgs.service.js';
import { createIngestQueue } from './ingest-queue.js';
import { checkDelivery, checkSourceIp } from './receive.js';
import { getCallEvents, replayCallEvents } from './events.service.js';

export function registerWebhookRoutes(app: App, ctx: AppContext, guards: Guards): void {
  const allowlist = createIpAllowlist(ctx.config.webhookIpAllowlist);
  const queue = createIngestQueue(ctx);
  // Requests still waiting are answered, and the deliveries stored merged, before the app closes.
  app.addHook('preClose', () => queue.close());

  // The receiver parses its own body: a malformed one must still be stored (as rejected).
  app.register(async (receiver) => {
    receiver.removeAllContentTypeParsers();
    receiver.addContentTypeParser(
      '*',
      { parseAs: 'string', bodyLimit: ctx.config.webhookBodyLimitBytes },
      (_req, body, done) => done(null, body),
    );
    receiver.withTypeProvider<ZodTypeProvider>().post(
      BOLNA_WEBHOOK_PATH,
      {
        schema: {
          tags: ['webhooks'],
          summary: "Bolna's call-status webhook: the raw delivery is stored, then acknowledged, then merged",
          security: [],
          querystring: z.object({ token: z.string().max(200).optional() }),
          response: { 202: WebhookAccepted, 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 413: ErrorBody },
        },
      },
      async (request, reply) => {
        checkSourceIp(ctx, allowlist.allows, request.ip);
        const webhook = await checkDelivery(ctx, {
          token: request.query.token,
          ip: request.ip,
          headers: request.headers,
          rawBody: typeof request.body === 'string' ? request.body : '',
        });
        // Answered once stored by the ingest queue, which merges it next.
        const eventId = await queue.submit(webhook);
        return reply.status(202).send({ received: true as const, eventId });
      },
    );
  });

  app.get(
    '/api/orgs/:orgId/calls/:callId/events',
    {
      onRequest: guards.org('viewer'),
      schema: {
        tags: ['calls'],
        summary:
          "A call's timeline: every delivery (webhook, poll, sync, replay), oldest first, with its verdict",
        params: CallParams,
        response: { 200: WebhookEventList, ...authErrors },
      },
    },
    async (request) => ({
      data: await getCallEvents(ctx, orgAccess(request).organizationId, request.params.callId),
    }),
  );

  app.post(
    '/api/orgs/:orgId/calls/:callId/events/replay',
    {
      onRequest: guards.org('admin'),
      schema: {
        tags: ['calls'],
        summary: "Re-apply a call's stored deliveries; a correct call does not change",
        params: CallParams,
        response: { 200: ReplayResult, ...authErrors },
      },
    },
    async (request) => replayCallEvents(ctx, orgAccess(request).organizationId, request.params.callId),
  );
}
