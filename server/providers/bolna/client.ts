import type { BolnaAgentPatch, BolnaAgentPayload } from './agent-payload.js';
import { BolnaPayloadError, BolnaValidationError } from './errors.js';
import { iterateExecutions, type ListExecutionsOptions } from './executions.js';
import { realSleep, sendRequest, type RequestSpec, type Sleep, type TransportOptions } from './http.js';
import { mapExecution, type ProviderCallSnapshot } from './mapping.js';
import {
  agentList,
  agentObject,
  callResponse,
  createAgentResponse,
  executionObject,
  mutationResponse,
  parseResponse,
  toBolnaAgent,
  toMutationResult,
  type AgentMutationResult,
  type BolnaAgent,
} from './responses.js';
import { formatBolnaTime, parseProviderTime } from './time.js';

export {
  buildAgentPayload,
  type AgentDescription,
  type BolnaAgentPatch,
  type BolnaAgentPayload,
} from './agent-payload.js';
export type { ListExecutionsOptions } from './executions.js';
export type { AgentMutationResult, BolnaAgent } from './responses.js';

/** How to reach Bolna (or the simulator) and how patient to be. */
export interface BolnaClientOptions {
  /** `https://api.bolna.ai`, or the simulator's URL. */
  baseUrl: string;
  apiKey: string;
  /** Per attempt, including reading the body. Default 15 000 ms. */
  timeoutMs?: number;
  /** Retries of an idempotent request after a 5xx, network error or timeout. Default 3. */
  maxRetries?: number;
  /** How many 429s in a row are waited out before giving up with `BolnaRateLimitError`. Default 5. */
  maxRateLimitRetries?: number;
  /** A `Retry-After` longer than this is not waited for: the 429 is thrown for the caller to reschedule. Default 60 000. */
  maxRetryAfterMs?: number;
  /** Backoff ceiling for the first retry; doubles each retry (full jitter). Default 250 ms. */
  backoffBaseMs?: number;
  /** Backoff ceiling cap. Default 8 000 ms. */
  backoffMaxMs?: number;
  fetch?: typeof globalThis.fetch;
  sleep?: Sleep;
  /** Uniform [0, 1) source for jitter. */
  random?: () => number;
}

/** POST /call input, camelCased. */
export interface StartCallInput {
  agentId: string;
  /** E.164, e.g. `+919876543210`. */
  recipientPhoneNumber: string;
  /** One of the account's numbers, E.164. */
  fromPhoneNumber?: string;
  /** When to place the call; sent with a `+00:00` offset (Bolna answers 500 to a trailing `Z`). */
  scheduledAt?: Date | string;
  /** Variables for the agent's prompt (Bolna's `user_data`). */
  userData?: Record<string, unknown>;
  agentData?: { voice_id?: string; [key: string]: unknown };
  retryConfig?: Record<string, unknown>;
  bypassCallGuardrails?: boolean;
}

/** Bolna's answer to POST /call. `executionId` identifies the call from now on. */
export interface StartCallResult {
  executionId: string;
  /** `queued` normally. */
  status: string | null;
  message: string | null;
  raw: Record<string, unknown>;
}

/** Bolna's answer to POST /call/{id}/stop. */
export interface StopCallResult {
  executionId: string;
  status: string | null;
  message: string | null;
  raw: Record<string, unknown>;
}

/** Bolna's answer to POST /v2/agent. */
export interface CreateAgentResult {
  agentId: string;
  /** `created` (live says `state`, the spec says `status`: either is read). */
  state: string | null;
  raw: Record<string, unknown>;
}

/**
 * Everything the platform asks of Bolna. Depend on this interface, not on `createBolnaClient`, so tests
 * and other providers can stand in. Every method throws a typed `BolnaError` subclass on failure.
 */
export interface BolnaClient {
  createAgent(payload: BolnaAgentPayload): Promise<CreateAgentResult>;
  getAgent(agentId: string): Promise<BolnaAgent>;
  /** All agents of the account (Bolna answers a bare array, unpaginated). */
  listAgents(): Promise<BolnaAgent[]>;
  /** PUT: replaces the whole agent. */
  updateAgent(agentId: string, payload: BolnaAgentPayload): Promise<AgentMutationResult>;
  /** PATCH: only the keys Bolna accepts in a partial update (e.g. `webhook_url`). */
  patchAgent(agentId: string, patch: BolnaAgentPatch): Promise<AgentMutationResult>;
  deleteAgent(agentId: string): Promise<AgentMutationResult>;
  /** Places (or schedules) a call. Never retried on 5xx/timeout: it could ring someone twice. */
  startCall(input: StartCallInput): Promise<StartCallResult>;
  /** Stops a call that is still queued or scheduled; Bolna cannot hang up a live call. */
  stopCall(executionId: string): Promise<StopCallResult>;
  /** The current full state of one call, mapped. */
  getExecution(executionId: string): Promise<ProviderCallSnapshot>;
  /** Every execution of an agent in [from, to]; windows and pages are handled inside. */
  listAgentExecutions(agentId: string, options: ListExecutionsOptions): AsyncIterable<ProviderCallSnapshot>;
}

/** Creates a Bolna API client. Pure configuration: nothing is sent until a method is called. */
export function createBolnaClient(options: BolnaClientOptions): BolnaClient {
  const transport: TransportOptions = {
    baseUrl: options.baseUrl,
    apiKey: options.apiKey,
    timeoutMs: options.timeoutMs ?? 15_000,
    maxRetries: options.maxRetries ?? 3,
    maxRateLimitRetries: options.maxRateLimitRetries ?? 5,
    maxRetryAfterMs: options.maxRetryAfterMs ?? 60_000,
    backoffBaseMs: options.backoffBaseMs ?? 250,
    backoffMaxMs: options.backoffMaxMs ?? 8_000,
    fetch: options.fetch ?? globalThis.fetch,
    sleep: options.sleep ?? realSleep,
    random: options.random ?? Math.random,
  };
  const send = (spec: RequestSpec) => sendRequest(transport, spec);
  const agentPath = (id: string) => `/v2/agent/${encodeURIComponent(id)}`;

  return {
    async createAgent(payload) {
      const operation = `create agent "${payload.agent_config.agent_name}"`;
      const res = await send({ method: 'POST', path: '/v2/agent', body: payload, operation });
      const body = parseResponse(createAgentResponse, res.body, operation, res.status);
      return { agentId: body.agent_id, state: body.state ?? body.status ?? null, raw: body };
    },

    async getAgent(agentId) {
      const operation = `fetch agent ${agentId}`;
      const res = await send({ method: 'GET', path: agentPath(agentId), operation });
      const agent = toBolnaAgent(parseResponse(agentObject, res.body, operation, res.status));
      if (!agent) {
        throw new BolnaPayloadError(`Bolna's answer to "${operation}" has no agent id.`, {
          code: 'invalid_response',
          status: res.status,
          operation,
        });
      }
      return agent;
    },

    async listAgents() {
      const operation = 'list agents';
      const res = await send({ method: 'GET', path: '/v2/agent/all', operation });
      const items = parseResponse(agentList, res.body, operation, res.status);
      return items.map(toBolnaAgent).filter((agent): agent is BolnaAgent => agent !== null);
    },

    async updateAgent(agentId, payload) {
      const operation = `update agent ${agentId}`;
      const res = await send({ method: 'PUT', path: agentPath(agentId), body: payload, operation });
      return toMutationResult(parseResponse(mutationResponse, res.body, operation, res.status), agentId);
    },

    async patchAgent(agentId, patch) {
      const operation = `update agent ${agentId}`;
      const res = await send({ method: 'PATCH', path: agentPath(agentId), body: patch, operation });
      return toMutationResult(parseResponse(mutationResponse, res.body, operation, res.status), agentId);
    },

    async deleteAgent(agentId) {
      const operation = `delete agent ${agentId}`;
      const res = await send({ method: 'DELETE', path: agentPath(agentId), operation });
      return toMutationResult(parseResponse(mutationResponse, res.body, operation, res.status), agentId);
    },

    async startCall(input) {
      const operation = `start a call to ${input.recipientPhoneNumber}`;
      const body = startCallBody(input, operation);
      const res = await send({ method: 'POST', path: '/call', body, operation });
      const answer = parseResponse(callResponse, res.body, operation, res.status);
      return {
        executionId: answer.execution_id,
        status: answer.status ?? null,
        message: answer.message ?? null,
        raw: answer,
      };
    },

    async stopCall(executionId) {
      const operation = `stop call ${executionId}`;
      const res = await send({
        method: 'POST',
        path: `/call/${encodeURIComponent(executionId)}/stop`,
        operation,
      });
      const answer = parseResponse(callResponse, res.body, operation, res.status);
      return {
        executionId: answer.execution_id,
        status: answer.status ?? null,
        message: answer.message ?? null,
        raw: answer,
      };
    },

    async getExecution(executionId) {
      const operation = `fetch execution ${executionId}`;
      const res = await send({
        method: 'GET',
        path: `/executions/${encodeURIComponent(executionId)}`,
        operation,
      });
      const body = parseResponse(executionObject, res.body, operation, res.status);
      return mapExecution(body.id || body.execution_id ? body : { ...body, id: executionId });
    },

    listAgentExecutions(agentId, listOptions) {
      return iterateExecutions(send, agentId, listOptions);
    },
  };
}

function startCallBody(input: StartCallInput, operation: string): Record<string, unknown> {
  const body: Record<string, unknown> = {
    agent_id: input.agentId,
    recipient_phone_number: input.recipientPhoneNumber,
  };
  if (input.fromPhoneNumber !== undefined) body.from_phone_number = input.fromPhoneNumber;
  if (input.scheduledAt !== undefined) {
    const at = parseProviderTime(input.scheduledAt);
    if (!at) {
      throw new BolnaValidationError(
        `Cannot ${operation}: scheduledAt "${String(input.scheduledAt)}" is not a valid time.`,
        { operation },
      );
    }
    body.scheduled_at = formatBolnaTime(at);
  }
  if (input.userData !== undefined) body.user_data = input.userData;
  if (input.agentData !== undefined) body.agent_data = input.agentData;
  if (input.retryConfig !== undefined) body.retry_config = input.retryConfig;
  if (input.bypassCallGuardrails !== undefined) body.bypass_call_guardrails = input.bypassCallGuardrails;
  return body;
}
