/**
 * Who is calling: a signed-in user (session cookie) or an organization API key (Bearer).
 * Route guards built here are the only place that decides access to `/api/orgs/:orgId/...`:
 * another organization's id answers 404 exactly like a missing one; a role too low answers 403.
 */
import type {} from '@fastify/cookie';
import type { FastifyRequest } from 'fastify';
import { roleAtLeast, type ApiKeyRole, type Role } from '../../../common/roles.js';
import type { AppContext } from '../../context.js';
import { Forbidden, NotFound, Unauthenticated } from '../../errors.js';
import { constantTimeEqual, sha256Hex } from '../../lib/crypto.js';
import { apiKeyPrefix } from '../api-keys/api-key-format.js';
import { findActiveApiKeyByPrefix, touchApiKey } from '../api-keys/api-keys.repository.js';
import { findMembershipRole, findOrganization } from '../orgs/orgs.repository.js';
import { findActiveSession, touchSession } from './sessions.repository.js';

export const SESSION_COOKIE = 'automitra_session';
/** Last-seen and last-used times are written at most this often, not on every request. */
const TOUCH_INTERVAL_MS = 60_000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export type Principal =
  | { kind: 'user'; userId: string; sessionId: string }
  /** The platform operator (`ADMIN_TOKEN`): admin in every organization, and `/api/admin/*`. */
  | { kind: 'admin' }
  | { kind: 'apiKey'; apiKeyId: string; organizationId: string; role: ApiKeyRole };

/** The caller's standing in the organization of the route. */
export interface OrgAccess {
  organizationId: string;
  role: Role;
  /** The acting user, or null for an API key. */
  userId: string | null;
  apiKeyId: string | null;
}

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null | undefined;
    orgAccess: OrgAccess | undefined;
  }
}

/** Resolves (once per request) the caller from the cookie or the Authorization header. */
export async function resolvePrincipal(ctx: AppContext, request: FastifyRequest): Promise<Principal | null> {
  if (request.principal !== undefined) return request.principal;
  request.principal = await lookupPrincipal(ctx, request);
  return request.principal;
}

/** Resolves credentials given outside HTTP routes (the Socket.IO handshake, for instance). */
export async function principalFromCredentials(
  ctx: AppContext,
  credentials: { sessionToken?: string; apiKey?: string },
): Promise<Principal | null> {
  const now = ctx.now();
  if (credentials.apiKey) {
    const adminToken = ctx.config.adminToken;
    if (adminToken && constantTimeEqual(credentials.apiKey, adminToken)) return { kind: 'admin' };
    const prefix = apiKeyPrefix(credentials.apiKey);
    if (!prefix) return null;
    const row = await findActiveApiKeyByPrefix(ctx.db, prefix);
    if (!row || !constantTimeEqual(row.keyHash, sha256Hex(credentials.apiKey))) return null;
    if (!row.lastUsedAt || now.getTime() - row.lastUsedAt.getTime() > TOUCH_INTERVAL_MS) {
      await touchApiKey(ctx.db, row.id, now);
    }
    return {
      kind: 'apiKey',
      apiKeyId: row.id,
      organizationId: row.organizationId,
      role: row.role as ApiKeyRole,
    };
  }
  if (credentials.sessionToken) {
    const session = await findActiveSession(ctx.db, sha256Hex(credentials.sessionToken), now);
    if (!session) return null;
    if (now.getTime() - session.lastSeenAt.getTime() > TOUCH_INTERVAL_MS) {
      await touchSession(ctx.db, session.sessionId, now);
    }
    return { kind: 'user', userId: session.userId, sessionId: session.sessionId };
  }
  return null;
}

async function lookupPrincipal(ctx: AppContext, request: FastifyRequest): Promise<Principal | null> {
  const header = request.headers.authorization;
  if (header !== undefined) {
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match) throw new Unauthenticated('The Authorization header must be `Bearer <API key>`.');
    const principal = await principalFromCredentials(ctx, { apiKey: match[1] });
    if (!principal) throw new Unauthenticated('The API key is not valid or has been revoked.');
    return principal;
  }
  const token = request.cookies[SESSION_COOKIE];
  return token ? principalFromCredentials(ctx, { sessionToken: token }) : null;
}

/** The role a principal holds in an organization, or undefined when it has none there. */
export async function roleInOrganization(
  ctx: AppContext,
  principal: Principal,
  organizationId: string,
): Promise<Role | undefined> {
  if (principal.kind === 'apiKey')
    return principal.organizationId === organizationId ? principal.role : undefined;
  if (principal.kind === 'admin')
    return (await findOrganization(ctx.db, organizationId)) ? 'admin' : undefined;
  return findMembershipRole(ctx.db, organizationId, principal.userId);
}

/** Route guards: `guards.user` for signed-in users, `guards.org('admin')` for org routes. */
export function createGuards(ctx: AppContext) {
  return {
    /** Any valid credential. */
    async any(request: FastifyRequest): Promise<void> {
      if (!(await resolvePrincipal(ctx, request))) throw new Unauthenticated();
    },
    /** The platform operator (`ADMIN_TOKEN`). */
    async platformAdmin(request: FastifyRequest): Promise<void> {
      const principal = await resolvePrincipal(ctx, request);
      if (!principal) throw new Unauthenticated();
      if (principal.kind !== 'admin') {
        throw new Forbidden(
          'This platform-wide route needs the ADMIN_TOKEN of the server, not an organization key.',
        );
      }
    },
    /** A signed-in user (session cookie); API keys are refused. */
    async user(request: FastifyRequest): Promise<void> {
      const principal = await resolvePrincipal(ctx, request);
      if (!principal) throw new Unauthenticated();
      if (principal.kind !== 'user')
        throw new Forbidden('This route needs a signed-in user, not an API key.');
    },
    /** A member of `params.orgId` with at least `minRole`. */
    org(minRole: Role) {
      return async (request: FastifyRequest): Promise<void> => {
        const principal = await resolvePrincipal(ctx, request);
        if (!principal) throw new Unauthenticated();
        const organizationId = (request.params as { orgId?: string }).orgId;
        // Guards run before validation (credentials first): a malformed id simply does not exist.
        if (!organizationId || !UUID.test(organizationId)) throw new NotFound('Organization');
        const role = await roleInOrganization(ctx, principal, organizationId);
        if (!role) throw new NotFound('Organization');
        if (!roleAtLeast(role, minRole)) {
          throw new Forbidden(`This action needs the ${minRole} role; you are ${role}.`);
        }
        request.orgAccess = {
          organizationId,
          role,
          userId: principal.kind === 'user' ? principal.userId : null,
          apiKeyId: principal.kind === 'apiKey' ? principal.apiKeyId : null,
        };
      };
    },
  };
}
export type Guards = ReturnType<typeof createGuards>;

/** The org access a guarded route established; a programming error if the guard is missing. */
export function orgAccess(request: FastifyRequest): OrgAccess {
  if (!request.orgAccess) throw new Error('orgAccess used on a route without an org guard');
  return request.orgAccess;
}
