import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { SimulatorEngine } from './engine.js';
import { pydanticDetail } from './guard.js';
import { parseKnobsPatch } from './knobs.js';
import { parseSimTime } from './routes-calls.js';

/**
 * Test-only control endpoints under `/__sim/`. They need no Bolna key and do not exist on Bolna: never
 * expose a simulator with these to anything but tests and demos.
 */

const historyBody = z.object({
  agent_id: z.string().min(1),
  count: z.number().int().min(1).max(10_000),
  from: z.string(),
  to: z.string(),
});

/** Hooks the control routes call back into (state that lives outside the engine). */
export interface ControlHooks {
  onReset(): void;
}

/** Registers `/__sim/*`. */
export function registerControlRoutes(
  app: FastifyInstance,
  engine: SimulatorEngine,
  hooks: ControlHooks,
): void {
  app.get('/__sim/config', async () => engine.knobs);

  app.post('/__sim/config', async (request, reply) => {
    try {
      return engine.setKnobs(parseKnobsPatch(request.body ?? {}));
    } catch (err) {
      return reply.code(400).send({ detail: (err as Error).message });
    }
  });

  app.post('/__sim/reset', async () => {
    engine.reset();
    hooks.onReset();
    return { state: 'reset' };
  });

  app.get<{ Querystring: { executionId?: string } }>('/__sim/deliveries', async (request) => {
    const { executionId } = request.query;
    const deliveries = executionId
      ? engine.webhooks.log.filter((entry) => entry.executionId === executionId)
      : engine.webhooks.log;
    return { pending: engine.webhooks.pending, idle: engine.isIdle(), deliveries };
  });

  app.get('/__sim/requests', async () => ({ requests: engine.requests }));

  app.post('/__sim/history', async (request, reply) => {
    const parsed = historyBody.safeParse(request.body);
    if (!parsed.success) return reply.code(422).send({ detail: pydanticDetail(parsed.error) });
    const agent = engine.agents.get(parsed.data.agent_id);
    if (!agent) return reply.code(404).send({ detail: `Agent ${parsed.data.agent_id} not found` });
    const from = parseSimTime(parsed.data.from);
    const to = parseSimTime(parsed.data.to);
    if (!from || !to || from > to)
      return reply.code(422).send({ detail: "'from' and 'to' must be timestamps, from <= to" });
    const created = engine.seedHistory(agent, parsed.data.count, from, to);
    return { execution_ids: created.map((rec) => rec.id) };
  });
}
