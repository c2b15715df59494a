import { z } from 'zod';
import { BolnaPayloadError } from './errors.js';
import { asRecord, readString } from './read.js';
import { parseProviderTime } from './time.js';

/**
 * Loose shapes of Bolna's answers. Only the fields we rely on are checked; everything else passes through
 * untouched because Bolna adds and removes fields without notice. Docs and live disagree on several names
 * (`state` vs `status`, `page` vs `page_number`): both are accepted.
 */

const optionalText = z.string().nullish();

export const createAgentResponse = z.looseObject({
  agent_id: z.string().min(1),
  state: optionalText,
  status: optionalText,
});

export const mutationResponse = z.looseObject({
  agent_id: optionalText,
  message: optionalText,
  state: optionalText,
  status: optionalText,
});

export const agentObject = z.looseObject({ id: optionalText, agent_id: optionalText });

export const agentList = z.union([
  z.array(z.looseObject({})),
  z.looseObject({ data: z.array(z.looseObject({})) }).transform((envelope) => envelope.data),
]);

export const callResponse = z.looseObject({
  execution_id: z.string().min(1),
  status: optionalText,
  message: optionalText,
});

export const executionObject = z.looseObject({ id: optionalText, execution_id: optionalText });

export const executionsPage = z.looseObject({
  data: z.array(z.looseObject({})),
  total: z.number().nullish(),
  has_more: z.boolean().nullish(),
  page_number: z.number().nullish(),
  page: z.number().nullish(),
  page_size: z.number().nullish(),
});

/** Validates `body` against `schema`, or throws a `BolnaPayloadError` naming what was wrong. */
export function parseResponse<S extends z.ZodType>(
  schema: S,
  body: unknown,
  operation: string,
  status: number,
): z.output<S> {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  throw new BolnaPayloadError(
    `Bolna's answer to "${operation}" does not have the expected shape: ${z.prettifyError(result.error)}`,
    { code: 'invalid_response', status, operation },
  );
}

/**
 * An agent as Bolna returns it, with the fields we use lifted out. Bolna may put configuration fields
 * (`webhook_url`, `agent_welcome_message`…) at the top level or under `agent_config`: both are read.
 */
export interface BolnaAgent {
  id: string;
  name: string | null;
  agentType: string | null;
  agentStatus: string | null;
  welcomeMessage: string | null;
  webhookUrl: string | null;
  createdAt: Date | null;
  updatedAt: Date | null;
  /** The agent object exactly as received (tasks, prompts and every unknown field). */
  raw: Record<string, unknown>;
}

/** Reads one agent object; null when it has no id (such an entry cannot be addressed anyway). */
export function toBolnaAgent(raw: Record<string, unknown>): BolnaAgent | null {
  const config = asRecord(raw.agent_config) ?? {};
  const pick = (key: string) => readString(raw[key]) ?? readString(config[key]);
  const id = readString(raw.id) ?? readString(raw.agent_id);
  if (!id) return null;
  return {
    id,
    name: pick('agent_name'),
    agentType: pick('agent_type'),
    agentStatus: pick('agent_status'),
    welcomeMessage: pick('agent_welcome_message'),
    webhookUrl: pick('webhook_url'),
    createdAt: parseProviderTime(raw.created_at),
    updatedAt: parseProviderTime(raw.updated_at),
    raw,
  };
}

/** The outcome of PUT/PATCH/DELETE on an agent (`state` live, `status` in the spec). */
export interface AgentMutationResult {
  agentId: string | null;
  state: string | null;
  message: string | null;
  raw: Record<string, unknown>;
}

/** Reads a mutation answer, accepting `state` or `status`. */
export function toMutationResult(
  body: z.output<typeof mutationResponse>,
  agentId: string,
): AgentMutationResult {
  return {
    agentId: body.agent_id ?? agentId,
    state: body.state ?? body.status ?? null,
    message: body.message ?? null,
    raw: body,
  };
}
