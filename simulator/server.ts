import Fastify, { type FastifyError } from 'fastify';
import type { AddressInfo } from 'node:net';
import { SimulatorEngine, type RequestRecord } from './engine.js';
import { executionBody } from './execution.js';
import { RateLimiter, apiGuard } from './guard.js';
import { parseKnobsPatch, resolveKnobs, type SimulatorKnobs } from './knobs.js';
import { registerAgentRoutes } from './routes-agents.js';
import { registerCallRoutes, registerRecordingRoute } from './routes-calls.js';
import { registerControlRoutes } from './routes-control.js';
import type { DeliveryRecord } from './webhooks.js';

export type { DeliveryRecord } from './webhooks.js';
export type { RequestRecord } from './engine.js';
export type { SimulatorKnobs, SimOutcome, OutcomeWeights } from './knobs.js';

/**
 * A Bolna-compatible HTTP server: the same paths, status codes and shapes as Bolna's API (see
 * bolna-api.md and docs/simulator.md), Bolna-shaped webhooks to each agent's
 * `agent_config.webhook_url`, and knobs for timing, outcomes and faults.
 */

/** Options of `startSimulator`: any knob, plus where to listen and which keys to accept. */
export interface SimulatorOptions extends Partial<SimulatorKnobs> {
  /** Default 0 (any free port). */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Accepted Bearer keys; default `['sim-key']`. Each key is a separate account (sees its own agents). */
  apiKeys?: string[];
  /** Base URL written into recording URLs; default the listening URL. */
  publicUrl?: string;
  /** Fastify request logging (main.ts turns it on). Default off. */
  logger?: boolean;
}

/** A started simulator. `close()` stops every timer, delivery and socket it owns. */
export interface RunningSimulator {
  /** Base URL to give the Bolna client (`http://127.0.0.1:<port>`). */
  readonly url: string;
  /** The first accepted API key. */
  readonly apiKey: string;
  readonly apiKeys: readonly string[];
  readonly publicUrl: string;
  /** Current knobs (a copy). */
  readonly knobs: Readonly<SimulatorKnobs>;
  /** Changes knobs at runtime (validated; throws on invalid values). Returns the new knobs. */
  setKnobs(patch: Partial<SimulatorKnobs>): SimulatorKnobs;
  /** The webhook delivery log, optionally for one execution. */
  deliveries(executionId?: string): DeliveryRecord[];
  /** The Bolna API request log. */
  requests(): RequestRecord[];
  /** The execution object GET /executions/{id} would return now, or null. */
  execution(executionId: string): Record<string, unknown> | null;
  /** Resolves when every call is terminal and no webhook is pending; rejects after `timeoutMs`. */
  waitForIdle(timeoutMs?: number): Promise<void>;
  /** Forgets agents, executions, logs and rate-limit counters (knobs stay). */
  reset(): void;
  close(): Promise<void>;
}

const CONTROL_PREFIXES = ['/__sim/', '/recordings/'];

/** Starts a simulator. Invalid knobs reject with an error listing every problem. */
export async function startSimulator(options: SimulatorOptions = {}): Promise<RunningSimulator> {
  const {
    port = 0,
    host = '127.0.0.1',
    apiKeys = ['sim-key'],
    publicUrl,
    logger = false,
    ...knobInput
  } = options;
  if (apiKeys.length === 0) throw new Error('The simulator needs at least one API key.');
  const knobs = resolveKnobs(parseKnobsPatch(knobInput));
  const engine = new SimulatorEngine(knobs, publicUrl ?? '');
  const limiter = new RateLimiter();
  const keys = new Set(apiKeys);

  const app = Fastify({ logger, forceCloseConnections: true });
  app.setNotFoundHandler((_request, reply) => reply.code(404).send({ detail: 'Not Found' }));
  app.setErrorHandler((error: FastifyError, _request, reply) => {
    const status = error.statusCode ?? 500;
    if (status >= 400 && status < 500) return reply.code(status).send({ detail: error.message });
    return reply.code(500).type('text/plain').send('Internal Server Error');
  });
  app.addHook('onResponse', async (request, reply) => {
    if (CONTROL_PREFIXES.some((prefix) => request.url.startsWith(prefix))) return;
    engine.logRequest({
      method: request.method,
      url: request.url,
      status: reply.statusCode,
      at: new Date().toISOString(),
    });
  });
  await app.register(async (api) => {
    api.addHook('onRequest', apiGuard(engine, keys, limiter));
    registerAgentRoutes(api, engine);
    registerCallRoutes(api, engine);
  });
  registerRecordingRoute(app, engine);
  registerControlRoutes(app, engine, { onReset: () => limiter.clear() });

  await app.listen({ port, host });
  const address = app.server.address() as AddressInfo;
  const reachableHost =
    host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  const url = `http://${reachableHost}:${address.port}`;
  engine.publicUrl = (publicUrl ?? url).replace(/\/+$/, '');

  let closing: Promise<void> | null = null;
  return {
    url,
    apiKey: apiKeys[0]!,
    apiKeys: [...apiKeys],
    publicUrl: engine.publicUrl,
    get knobs() {
      return Object.freeze({ ...engine.knobs, outcomes: { ...engine.knobs.outcomes } });
    },
    setKnobs(patch) {
      return { ...engine.setKnobs(parseKnobsPatch(patch)) };
    },
    deliveries(executionId) {
      const log = engine.webhooks.log;
      return executionId ? log.filter((entry) => entry.executionId === executionId) : [...log];
    },
    requests() {
      return [...engine.requests];
    },
    execution(executionId) {
      const rec = engine.executions.get(executionId);
      return rec ? executionBody(rec, engine.publicUrl) : null;
    },
    async waitForIdle(timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      while (!engine.isIdle()) {
        if (Date.now() > deadline) {
          throw new Error(
            `The simulator was still busy after ${timeoutMs} ms (calls not terminal or webhooks pending).`,
          );
        }
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    },
    reset() {
      engine.reset();
      limiter.clear();
    },
    close() {
      closing ??= (async () => {
        engine.close();
        await app.close();
      })();
      return closing;
    },
  };
}
