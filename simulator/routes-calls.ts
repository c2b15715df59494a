import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { SimulatorEngine } from './engine.js';
import { executionBody, executionListItem, type ExecutionRecord } from './execution.js';
import { E164, bearerKey, pydanticDetail } from './guard.js';
import { findAgent } from './routes-agents.js';
import { generateWav } from './wav.js';

/** Bolna's call endpoints: place, stop, read one execution, list an agent's executions; and recordings. */

const callBody = z.looseObject({
  agent_id: z.string().min(1),
  recipient_phone_number: z.string(),
  from_phone_number: z.string().nullish(),
  scheduled_at: z.string().nullish(),
  user_data: z.record(z.string(), z.unknown()).nullish(),
  agent_data: z.looseObject({}).nullish(),
  retry_config: z.looseObject({}).nullish(),
  bypass_call_guardrails: z.boolean().nullish(),
});

const listQuery = z.object({
  page_number: z.coerce.number().int().min(1).default(1),
  page_size: z.coerce.number().int().min(1).max(50).default(20),
  status: z.string().optional(),
  from: z.string(),
  to: z.string(),
});

const SEVEN_DAYS_MS = 7 * 24 * 60 * 60 * 1000;

/** Parses a timestamp as Bolna would: a zone if given, UTC if not (`+` may arrive decoded as a space). */
export function parseSimTime(text: string): Date | null {
  const fixed = text.trim().replace(/ (\d{2}:?\d{2})$/, '+$1');
  const zoned = /(Z|[+-]\d{2}:?\d{2})$/i.test(fixed) ? fixed : `${fixed}Z`;
  const ms = Date.parse(zoned);
  return Number.isNaN(ms) ? null : new Date(ms);
}

function findExecution(
  engine: SimulatorEngine,
  request: FastifyRequest,
  reply: FastifyReply,
  id: string,
): ExecutionRecord | null {
  const rec = engine.executions.get(id);
  if (!rec || rec.ownerKey !== bearerKey(request)) {
    void reply.code(404).send({ detail: `Execution ${id} not found` });
    return null;
  }
  return rec;
}

/** Registers the call routes on the (guarded) Bolna API scope. */
export function registerCallRoutes(app: FastifyInstance, engine: SimulatorEngine): void {
  app.post('/call', async (request, reply) => {
    const parsed = callBody.safeParse(request.body);
    if (!parsed.success) return reply.code(422).send({ detail: pydanticDetail(parsed.error) });
    const body = parsed.data;
    let scheduledAt: Date | null = null;
    if (body.scheduled_at) {
      // Live Bolna fails on a trailing Z instead of reading it as UTC.
      if (/z$/i.test(body.scheduled_at.trim()))
        return reply.code(500).type('text/plain').send('Internal Server Error');
      scheduledAt = parseSimTime(body.scheduled_at);
      if (!scheduledAt) {
        return reply
          .code(422)
          .send({ detail: `Invalid scheduled_at '${body.scheduled_at}': expected ISO 8601 with an offset` });
      }
    }
    const agent = findAgent(engine, request, reply, body.agent_id);
    if (!agent) return reply;
    for (const field of ['recipient_phone_number', 'from_phone_number'] as const) {
      const number = body[field];
      if (number != null && !E164.test(number)) {
        return reply.code(422).send({
          detail: `Invalid ${field} '${number}': phone numbers must be in E.164 format, e.g. +919876543210`,
        });
      }
    }
    const rec = engine.startCall({
      agent,
      ownerKey: bearerKey(request) ?? '',
      recipient: body.recipient_phone_number,
      fromNumber: body.from_phone_number ?? null,
      userData: body.user_data ?? null,
      scheduledAt,
    });
    return { message: 'done', status: 'queued', execution_id: rec.id };
  });

  app.post<{ Params: { executionId: string } }>('/call/:executionId/stop', async (request, reply) => {
    const rec = findExecution(engine, request, reply, request.params.executionId);
    if (!rec) return reply;
    if (!engine.stopCall(rec)) {
      return reply.code(400).send({
        detail: `Execution ${rec.id} is '${rec.status}': only queued or scheduled calls can be stopped`,
      });
    }
    return { message: 'done', status: 'stopped', execution_id: rec.id };
  });

  app.get<{ Params: { executionId: string } }>('/executions/:executionId', async (request, reply) => {
    const rec = findExecution(engine, request, reply, request.params.executionId);
    return rec ? executionBody(rec, engine.publicUrl) : reply;
  });

  app.get<{ Params: { agentId: string } }>('/v2/agent/:agentId/executions', async (request, reply) => {
    const agent = findAgent(engine, request, reply, request.params.agentId);
    if (!agent) return reply;
    const parsed = listQuery.safeParse(request.query);
    if (!parsed.success) return reply.code(422).send({ detail: pydanticDetail(parsed.error, 'query') });
    const query = parsed.data;
    const from = parseSimTime(query.from);
    const to = parseSimTime(query.to);
    if (!from || !to || from > to) {
      return reply.code(422).send({ detail: "'from' and 'to' must be ISO 8601 timestamps with from <= to" });
    }
    if (to.getTime() - from.getTime() > SEVEN_DAYS_MS) {
      return reply.code(422).send({ detail: 'The from/to window cannot be longer than 7 days' });
    }
    const status = query.status?.trim().toLowerCase().replaceAll('_', '-');
    const matching = [...engine.executions.values()]
      .filter(
        (rec) =>
          rec.agentId === agent.id &&
          rec.createdAtMs >= from.getTime() &&
          rec.createdAtMs <= to.getTime() &&
          (!status || rec.status === status),
      )
      .sort((a, b) => b.createdAtMs - a.createdAtMs || b.sequence - a.sequence);
    const start = (query.page_number - 1) * query.page_size;
    const page = matching.slice(start, start + query.page_size);
    return {
      data: page.map(executionListItem),
      total: matching.length,
      has_more: start + page.length < matching.length,
      page_number: query.page_number,
      page_size: query.page_size,
    };
  });
}

/** `GET /recordings/{id}.wav`: a real WAV for calls that have a recording (presigned on Bolna: no key). */
export function registerRecordingRoute(app: FastifyInstance, engine: SimulatorEngine): void {
  let wav: Buffer | null = null;
  app.get<{ Params: { file: string } }>('/recordings/:file', async (request, reply) => {
    const id = request.params.file.replace(/\.wav$/, '');
    const rec = engine.executions.get(id);
    if (!rec || !rec.plan.hasRecording || rec.status !== rec.plan.finalStatus) {
      return reply.code(404).send({ detail: 'Recording not found' });
    }
    wav ??= generateWav(3);
    return reply.type('audio/wav').header('content-length', wav.length).send(wav);
  });
}
