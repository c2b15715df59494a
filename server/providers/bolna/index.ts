/**
 * The Bolna provider: an HTTP client for Bolna's API and a pure mapping from Bolna's execution object to
 * our call fields. No database and no Fastify here; the calls module composes these.
 */
export {
  createBolnaClient,
  type BolnaClient,
  type BolnaClientOptions,
  type CreateAgentResult,
  type StartCallInput,
  type StartCallResult,
  type StopCallResult,
} from './client.js';
export {
  buildAgentPayload,
  type AgentDescription,
  type BolnaAgentPatch,
  type BolnaAgentPayload,
  type BolnaAgentTask,
} from './agent-payload.js';
export type { AgentMutationResult, BolnaAgent } from './responses.js';
export {
  MAX_PAGE_SIZE,
  MAX_WINDOW_MS,
  splitIntoWindows,
  type ListExecutionsOptions,
  type TimeWindow,
} from './executions.js';
export {
  BolnaAuthError,
  BolnaError,
  BolnaNotFoundError,
  BolnaPayloadError,
  BolnaRateLimitError,
  BolnaUnavailableError,
  BolnaValidationError,
  readProviderMessage,
  type BolnaErrorCode,
} from './errors.js';
export { parseRetryAfter, type Sleep } from './http.js';
export {
  CALL_STATUSES,
  STATUS_RANK,
  TERMINAL_STATUSES,
  formatBolnaTime,
  isTerminalStatus,
  mapExecution,
  normaliseBolnaStatus,
  parseProviderTime,
  toBolnaStatus,
  type CallStatus,
  type ProviderCallSnapshot,
} from './mapping.js';
