/**
 * Builds the Fastify application without listening, so tests drive it through `app.inject()`.
 * The caller owns the database: it opens and migrates it before, and closes it after.
 */
import { randomUUID } from 'node:crypto';
import cookie from '@fastify/cookie';
import Fastify, { type FastifyServerOptions } from 'fastify';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Config } from './config.js';
import type { AppContext } from './context.js';
import type { Database } from './db/index.js';
import { loadMigrations, type Migration } from './db/migrate.js';
import { createDomainMetrics } from './domain-metrics.js';
import { acceptConnections, createRealtime } from './realtime/socket-server.js';
import { createSecretBox } from './lib/crypto.js';
import { connectRedis } from './lib/redis.js';
import { loggerOptions } from './logger.js';
import { registerApiKeyRoutes } from './modules/api-keys/api-keys.routes.js';
import { registerAuthRoutes } from './modules/auth/auth.routes.js';
import { createGuards } from './modules/auth/principal.js';
import { registerHealthRoutes } from './modules/health/health.routes.js';
import { registerInvitationRoutes } from './modules/invitations/invitations.routes.js';
import { registerMemberRoutes } from './modules/members/members.routes.js';
import { registerOrgRoutes } from './modules/orgs/orgs.routes.js';
import { registerErrorHandling } from './plugins/error-handler.js';
import { registerMetrics } from './plugins/metrics.js';
import { registerOpenApi } from './plugins/openapi.js';
import { registerWebApp } from './plugins/web.js';
import type { App } from './http.js';
import type { JobRuntime } from './jobs/types.js';
import { createBolnaClient, type BolnaClient } from './providers/bolna/index.js';
import { agentSyncJob } from './modules/agents/agent-sync.job.js';
import { registerAgentRoutes } from './modules/agents/agents.routes.js';
import { registerCallRoutes } from './modules/calls/calls.routes.js';
import { callPollJob } from './modules/calls/poll.job.js';
import { createPollBudget } from './modules/calls/poll-budget.js';
import { reconcileStaleJob } from './modules/calls/reconcile.job.js';
import { resumePollsJob } from './modules/calls/resume-polls.job.js';
import { foldCountersJob } from './modules/metrics/fold-counters.job.js';
import { recoverDeliveriesJob } from './modules/webhooks/recover.job.js';
import { registerWebhookRoutes } from './modules/webhooks/webhooks.routes.js';
import { registerMetricsRoutes } from './modules/metrics/metrics.routes.js';
import { registerOpsRoutes } from './modules/ops/ops.routes.js';

export const APP_VERSION = '0.1.0';

declare module 'fastify' {
  interface FastifyInstance {
    /** The platform's context (config, database, provider, jobs), for tools and tests built on the app. */
    readonly automitra: AppContext;
  }
}
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export interface BuildAppOptions {
  config: Config;
  database: Database;
  /** Pino options, or false to silence logs (tests). Defaults to the config's level. */
  logger?: FastifyServerOptions['logger'];
  now?: () => Date;
  migrations?: Migration[];
  /** Maximum JSON body size in bytes. */
  bodyLimit?: number;
  /** The job runtime (started by the caller, stopped by the caller after `app.close()`). */
  jobs: JobRuntime;
  /** Bolna's API; default: a client built from `config.bolna`. */
  bolna?: BolnaClient;
}

export async function buildApp(options: BuildAppOptions): Promise<App> {
  const { config, database } = options;
  const app = Fastify({
    logger: options.logger ?? loggerOptions(config),
    trustProxy: config.trustProxy,
    bodyLimit: options.bodyLimit ?? 1024 * 1024,
    requestIdHeader: false,
    genReqId: (req) => {
      const incoming = req.headers['x-request-id'];
      return typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    },
  }).withTypeProvider<ZodTypeProvider>();

  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  acceptEmptyJsonBodies(app);

  registerErrorHandling(app);
  await registerOpenApi(app, APP_VERSION);
  registerMetrics(app);
  await app.register(cookie);

  const redis = config.redisUrl ? await connectRedis(config.redisUrl, app.log) : undefined;
  const realtime = await createRealtime(app, config.redisUrl);
  app.addHook('preClose', async () => {
    await realtime.close();
  });
  app.addHook('onClose', async () => {
    await redis?.quit().catch(() => {});
  });

  const ctx: AppContext = {
    config,
    database,
    db: database.db,
    now: options.now ?? (() => new Date()),
    secrets: createSecretBox(config.sessionSecret),
    bolna: options.bolna ?? createPlatformBolnaClient(config),
    jobs: options.jobs,
    metrics: createDomainMetrics(app.metrics.registry),
    log: app.log,
    realtime: realtime.publisher,
    redis,
  };
  acceptConnections(app, ctx, realtime);
  app.decorate('automitra', ctx);
  await defineJobs(ctx);
  const guards = createGuards(ctx);

  registerHealthRoutes(app, ctx, options.migrations ?? loadMigrations());
  registerAuthRoutes(app, ctx, guards);
  registerOrgRoutes(app, ctx, guards);
  registerMemberRoutes(app, ctx, guards);
  registerInvitationRoutes(app, ctx, guards);
  registerApiKeyRoutes(app, ctx, guards);
  registerAgentRoutes(app, ctx, guards);
  registerCallRoutes(app, ctx, guards);
  registerWebhookRoutes(app, ctx, guards);
  registerMetricsRoutes(app, ctx, guards);
  registerOpsRoutes(app, ctx, guards);
  await registerWebApp(app);

  return app;
}

/**
 * The Bolna client as the platform uses it: a 429 whose Retry-After is short is waited out inline;
 * a longer one is thrown, so a job reschedules itself instead of holding a worker.
 */
export function createPlatformBolnaClient(config: Config, baseUrl = config.bolna.baseUrl): BolnaClient {
  return createBolnaClient({
    baseUrl,
    apiKey: config.bolna.apiKey,
    timeoutMs: config.bolna.timeoutMs,
    maxRetryAfterMs: 5_000,
  });
}

/** Defines every background job, schedules the periodic ones, and recovers unmerged deliveries. */
async function defineJobs(ctx: AppContext): Promise<void> {
  await ctx.jobs.define(agentSyncJob(ctx));
  await ctx.jobs.define(callPollJob(ctx, createPollBudget(ctx.config.polling.budgetPerMinute, ctx.redis)));
  await ctx.jobs.define(reconcileStaleJob(ctx));
  await ctx.jobs.define(recoverDeliveriesJob(ctx));
  await ctx.jobs.define(resumePollsJob(ctx));
  await ctx.jobs.define(foldCountersJob(ctx));
  await ctx.jobs.schedule('calls.reconcile-stale', '* * * * *', {});
  await ctx.jobs.schedule('webhooks.recover', '* * * * *', {});
  await ctx.jobs.schedule('calls.resume-polls', '* * * * *', {});
  await ctx.jobs.schedule('metrics.fold-counters', '* * * * *', {});
  // After a restart: merge what was stored before it but not merged, and pick up overdue polls now.
  await ctx.jobs.send('webhooks.recover', { before: ctx.now().toISOString() });
  await ctx.jobs.send('calls.resume-polls', {});
}

/** A JSON request with an empty body (a bodiless POST from fetch) parses as no body, not an error. */
function acceptEmptyJsonBodies(app: App): void {
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text.trim() === '') return done(null, undefined);
    parseJson(request, text, done);
  });
}
