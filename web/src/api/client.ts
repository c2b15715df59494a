/**
 * The one typed client of the platform's HTTP API. Every request and response type is inferred from
 * the Zod schemas in `common/` (the same ones the server validates with), so a change of contract
 * breaks the build here rather than the page at run time. Errors arrive as `ApiError` carrying the
 * API's `{error, message, details}` body, ready to be shown in words.
 */
import type { z } from 'zod';
import type {
  AcceptInvitationBody,
  AcceptInvitationResponse,
  ApiKeyList,
  CreateApiKeyBody,
  CreatedApiKey,
  CreatedInvitation,
  CreateInvitationBody,
  CreateOrgBody,
  InvitationList,
  InvitationPreview,
  LoginBody,
  LoginResponse,
  Member,
  MemberList,
  MeResponse,
  Organization,
  SignupBody,
  SignupResponse,
  WebhookSettings,
} from '../../../common/schemas/accounts.js';
import type { Agent, AgentList, CreateAgentBody, UpdateAgentBody } from '../../../common/schemas/agents.js';
import type { Call, CallList, StartCallBody } from '../../../common/schemas/calls.js';
import type { WebhookEventList } from '../../../common/schemas/events.js';
import type { OrgMetrics } from '../../../common/schemas/metrics.js';
import type { CallStatus } from '../../../common/call-status.js';
import type { Role } from '../../../common/roles.js';

export type Me = z.output<typeof MeResponse>;
export type OrgMembership = Me['organizations'][number];
export type { Agent, Call, CallStatus, OrgMetrics, Role };
export type CallPage = z.output<typeof CallList>;
export type WebhookEvent = z.output<typeof WebhookEventList>['data'][number];
export type MemberRow = z.output<typeof Member>;
export type InvitationRow = z.output<typeof InvitationList>['data'][number];
export type ApiKeyRow = z.output<typeof ApiKeyList>['data'][number];
export type NewApiKey = z.output<typeof CreatedApiKey>;
export type NewInvitation = z.output<typeof CreatedInvitation>;
export type Webhook = z.output<typeof WebhookSettings>;
export type AgentInput = z.input<typeof CreateAgentBody>;
export type AgentPatch = z.input<typeof UpdateAgentBody>;
export type StartCallInput = z.input<typeof StartCallBody>;

/** Filters of the call history, as the page holds them (`number` is matched by the client, see below). */
export interface CallFilters {
  status?: CallStatus[];
  agentId?: string;
  /** ISO instants: created at or after `from`, before `to`. */
  from?: string;
  to?: string;
  /** Digits of a phone number to look for in `toNumber`/`fromNumber`. */
  number?: string;
}

/** A failed request, with the API's error body (or a network failure in words). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
    readonly requestId?: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  /** Per-field messages of a validation error (`details.issues`), keyed by field path. */
  get fieldErrors(): Record<string, string> {
    const issues = (this.details as { issues?: { field: string; message: string }[] } | undefined)?.issues;
    return Object.fromEntries((issues ?? []).map((i) => [i.field, i.message]));
  }
}

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';

async function request<T>(method: Method, path: string, body?: unknown): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      credentials: 'same-origin',
      headers: {
        accept: 'application/json',
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, 'network', 'The server cannot be reached. Check your connection and try again.');
  }
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  let parsed: unknown = undefined;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    // Not JSON (a proxy's error page): reported below in words.
  }
  if (!res.ok) {
    const err = parsed as { error?: string; message?: string; details?: unknown; requestId?: string };
    throw new ApiError(
      res.status,
      err?.error ?? 'http_error',
      err?.message ?? `The server answered ${res.status} ${res.statusText}. Try again in a moment.`,
      err?.details,
      err?.requestId,
    );
  }
  return parsed as T;
}

const get = <T>(path: string) => request<T>('GET', path);
const post = <T>(path: string, body?: unknown) => request<T>('POST', path, body ?? {});
const patch = <T>(path: string, body: unknown) => request<T>('PATCH', path, body);
const del = (path: string) => request<void>('DELETE', path);

const org = (orgId: string) => `/api/orgs/${encodeURIComponent(orgId)}`;

function query(params: Record<string, string | number | undefined>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params))
    if (value !== undefined && value !== '') search.set(key, String(value));
  const text = search.toString();
  return text ? `?${text}` : '';
}

export const api = {
  auth: {
    me: () => get<Me>('/api/auth/me'),
    signup: (body: z.input<typeof SignupBody>) =>
      post<z.output<typeof SignupResponse>>('/api/auth/signup', body),
    login: (body: z.input<typeof LoginBody>) => post<z.output<typeof LoginResponse>>('/api/auth/login', body),
    logout: () => post<void>('/api/auth/logout'),
  },
  invitations: {
    preview: (token: string) =>
      get<z.output<typeof InvitationPreview>>(`/api/invitations/${encodeURIComponent(token)}`),
    accept: (token: string, body: z.input<typeof AcceptInvitationBody>) =>
      post<z.output<typeof AcceptInvitationResponse>>(
        `/api/invitations/${encodeURIComponent(token)}/accept`,
        body ?? {},
      ),
    list: (orgId: string) => get<z.output<typeof InvitationList>>(`${org(orgId)}/invitations`),
    create: (orgId: string, body: z.input<typeof CreateInvitationBody>) =>
      post<NewInvitation>(`${org(orgId)}/invitations`, body),
    revoke: (orgId: string, id: string) => del(`${org(orgId)}/invitations/${id}`),
  },
  orgs: {
    create: (body: z.input<typeof CreateOrgBody>) => post<z.output<typeof Organization>>('/api/orgs', body),
  },
  members: {
    list: (orgId: string) => get<z.output<typeof MemberList>>(`${org(orgId)}/members`),
    setRole: (orgId: string, userId: string, role: Role) =>
      patch<MemberRow>(`${org(orgId)}/members/${userId}`, { role }),
    remove: (orgId: string, userId: string) => del(`${org(orgId)}/members/${userId}`),
  },
  apiKeys: {
    list: (orgId: string) => get<z.output<typeof ApiKeyList>>(`${org(orgId)}/api-keys`),
    create: (orgId: string, body: z.input<typeof CreateApiKeyBody>) =>
      post<NewApiKey>(`${org(orgId)}/api-keys`, body),
    revoke: (orgId: string, id: string) => del(`${org(orgId)}/api-keys/${id}`),
  },
  webhook: {
    get: (orgId: string) => get<Webhook>(`${org(orgId)}/webhook`),
    rotate: (orgId: string) => post<Webhook>(`${org(orgId)}/webhook/rotate`),
  },
  agents: {
    list: (orgId: string) => get<z.output<typeof AgentList>>(`${org(orgId)}/agents`),
    create: (orgId: string, body: AgentInput) => post<Agent>(`${org(orgId)}/agents`, body),
    update: (orgId: string, id: string, body: AgentPatch) => patch<Agent>(`${org(orgId)}/agents/${id}`, body),
    sync: (orgId: string, id: string) => post<Agent>(`${org(orgId)}/agents/${id}/sync`),
    remove: (orgId: string, id: string) => del(`${org(orgId)}/agents/${id}`),
  },
  calls: {
    /**
     * One page of the history, newest first (keyset cursor). `number` is sent for the day the API
     * matches numbers itself; until then the API ignores it and the page filters loaded rows.
     */
    list: (orgId: string, filters: CallFilters, cursor?: string, limit = 50) =>
      get<CallPage>(
        `${org(orgId)}/calls${query({
          status: filters.status?.join(','),
          agentId: filters.agentId,
          from: filters.from,
          to: filters.to,
          number: filters.number,
          cursor,
          limit,
        })}`,
      ),
    get: (orgId: string, id: string) => get<Call>(`${org(orgId)}/calls/${id}`),
    events: (orgId: string, id: string) =>
      get<z.output<typeof WebhookEventList>>(`${org(orgId)}/calls/${id}/events`),
    start: (orgId: string, body: StartCallInput) => post<Call>(`${org(orgId)}/calls`, body),
    remove: (orgId: string, id: string) => del(`${org(orgId)}/calls/${id}`),
  },
  metrics: {
    get: (orgId: string, range: { from?: string; to?: string; agentId?: string }) =>
      get<OrgMetrics>(`${org(orgId)}/metrics${query(range)}`),
  },
};

/** A message to show for any thrown value. */
export function errorMessage(err: unknown): string {
  if (err instanceof ApiError) return err.message;
  if (err instanceof Error) return err.message;
  return 'Something went wrong. Try again.';
}
