/**
 * Every organization-scoped route, with how to call it against a fixture organization. The
 * isolation matrix and the bad-input test walk this table, and fail if a route exists in the
 * OpenAPI document but not here: a new route must be added to be tested.
 */
import type { Method } from './app.js';

/** Real ids inside the organization under test, filled by the fixture. */
export interface OrgFixtureIds {
  orgId: string;
  userId: string;
  keyId: string;
  invitationId: string;
  agentId: string;
  callId: string;
  eventId: string;
}

export interface OrgRoute {
  method: Method;
  /** Fastify-style path, e.g. `/api/orgs/:orgId/members/:userId`. */
  path: string;
  /** A valid body, when the route takes one. */
  body?: () => unknown;
  /** A body with a wrong field, and the field the 400 must name. */
  badBody?: { body: unknown; field: string };
}

export const ORG_ROUTES: OrgRoute[] = [
  { method: 'GET', path: '/api/orgs/:orgId' },
  {
    method: 'PATCH',
    path: '/api/orgs/:orgId',
    body: () => ({ name: 'Hijacked' }),
    badBody: { body: { name: 7 }, field: 'name' },
  },
  { method: 'GET', path: '/api/orgs/:orgId/webhook' },
  { method: 'POST', path: '/api/orgs/:orgId/webhook/rotate' },
  { method: 'GET', path: '/api/orgs/:orgId/members' },
  {
    method: 'PATCH',
    path: '/api/orgs/:orgId/members/:userId',
    body: () => ({ role: 'viewer' }),
    badBody: { body: { role: 'emperor' }, field: 'role' },
  },
  { method: 'DELETE', path: '/api/orgs/:orgId/members/:userId' },
  { method: 'GET', path: '/api/orgs/:orgId/invitations' },
  {
    method: 'POST',
    path: '/api/orgs/:orgId/invitations',
    body: () => ({ email: 'intruder@example.test', role: 'owner' }),
    badBody: { body: { email: 'not-an-email', role: 'member' }, field: 'email' },
  },
  { method: 'DELETE', path: '/api/orgs/:orgId/invitations/:invitationId' },
  { method: 'GET', path: '/api/orgs/:orgId/api-keys' },
  {
    method: 'POST',
    path: '/api/orgs/:orgId/api-keys',
    body: () => ({ name: 'intruder' }),
    badBody: { body: { name: '' }, field: 'name' },
  },
  { method: 'DELETE', path: '/api/orgs/:orgId/api-keys/:keyId' },
  { method: 'GET', path: '/api/orgs/:orgId/agents' },
  {
    method: 'POST',
    path: '/api/orgs/:orgId/agents',
    body: () => ({ name: 'Intruder agent' }),
    badBody: { body: { name: 'x', fromNumber: '12345' }, field: 'fromNumber' },
  },
  { method: 'GET', path: '/api/orgs/:orgId/agents/:agentId' },
  {
    method: 'PATCH',
    path: '/api/orgs/:orgId/agents/:agentId',
    body: () => ({ name: 'Hijacked agent' }),
    badBody: { body: { language: 'english' }, field: 'language' },
  },
  { method: 'DELETE', path: '/api/orgs/:orgId/agents/:agentId' },
  { method: 'POST', path: '/api/orgs/:orgId/agents/:agentId/sync' },
  { method: 'GET', path: '/api/orgs/:orgId/calls' },
  {
    method: 'POST',
    path: '/api/orgs/:orgId/calls',
    body: () => ({ agentId: '00000000-0000-4000-8000-000000000000', toNumber: '+919876543210' }),
    badBody: {
      body: { agentId: '00000000-0000-4000-8000-000000000000', toNumber: '98765' },
      field: 'toNumber',
    },
  },
  { method: 'GET', path: '/api/orgs/:orgId/calls/:callId' },
  { method: 'DELETE', path: '/api/orgs/:orgId/calls/:callId' },
  { method: 'GET', path: '/api/orgs/:orgId/calls/:callId/events' },
  { method: 'POST', path: '/api/orgs/:orgId/calls/:callId/events/replay' },
  { method: 'GET', path: '/api/orgs/:orgId/metrics' },
  { method: 'GET', path: '/api/orgs/:orgId/calls/export' },
  {
    method: 'POST',
    path: '/api/orgs/:orgId/agents/webhooks/configure',
    body: () => ({ baseUrl: 'https://attacker.example' }),
    badBody: { body: { baseUrl: 'not a url' }, field: 'baseUrl' },
  },
  { method: 'POST', path: '/api/orgs/:orgId/agents/sync' },
  {
    method: 'POST',
    path: '/api/orgs/:orgId/calls/sync',
    body: () => ({}),
    badBody: { body: { since: 'yesterday' }, field: 'since' },
  },
  { method: 'GET', path: '/api/orgs/:orgId/webhook-events/:eventId' },
  { method: 'GET', path: '/api/orgs/:orgId/diagnostics' },
  { method: 'POST', path: '/api/orgs/:orgId/realtime/ping' },
  {
    method: 'POST',
    path: '/api/orgs/:orgId/calls/reap-stale',
    body: () => ({ olderThanMinutes: 1 }),
    badBody: { body: { olderThanMinutes: -5 }, field: 'olderThanMinutes' },
  },
];

/** Replaces `:param` segments with the fixture's ids. */
export function fillPath(path: string, ids: OrgFixtureIds): string {
  return path.replace(/:(\w+)/g, (_, name: string) => {
    const value = (ids as unknown as Record<string, string>)[name];
    if (!value) throw new Error(`No fixture id for :${name} in ${path}`);
    return value;
  });
}
