/** Sign-up, sign-in and sessions. Services never see Fastify: routes pass plain values. */
import type { AppContext } from '../../context.js';
import { Conflict, Unauthenticated } from '../../errors.js';
import { randomToken, sha256Hex } from '../../lib/crypto.js';
import { hashPassword, verifyAgainstDummy, verifyPassword } from '../../lib/passwords.js';
import { createOrganization, listOrganizations } from '../orgs/orgs.service.js';
import type { LoginThrottle } from './login-throttle.js';
import { insertSession, revokeSession } from './sessions.repository.js';
import { findUserByEmail, findUserById, insertUser, toApiUser } from './users.repository.js';

export interface ClientInfo {
  ip: string;
  userAgent: string | null;
}

export interface NewSession {
  token: string;
  expiresAt: Date;
}

/** Starts a session: a 256-bit token whose SHA-256 is all the database keeps. */
export async function startSession(ctx: AppContext, userId: string, client: ClientInfo): Promise<NewSession> {
  const token = randomToken(32);
  const expiresAt = new Date(ctx.now().getTime() + ctx.config.sessionTtlMs);
  await insertSession(ctx.db, {
    userId,
    tokenHash: sha256Hex(token),
    expiresAt,
    ip: client.ip,
    userAgent: client.userAgent?.slice(0, 512) ?? null,
  });
  return { token, expiresAt };
}

export async function signup(
  ctx: AppContext,
  input: { email: string; password: string; name: string; organizationName: string },
  client: ClientInfo,
) {
  if (await findUserByEmail(ctx.db, input.email)) {
    throw new Conflict('An account with this email already exists. Sign in instead.', { field: 'email' });
  }
  const passwordHash = await hashPassword(input.password);
  const { user, organization } = await ctx.db.transaction(async (tx) => {
    const user = await insertUser(tx, { email: input.email, name: input.name, passwordHash });
    const organization = await createOrganization(ctx, tx, input.organizationName, user.id);
    return { user, organization };
  });
  const session = await startSession(ctx, user.id, client);
  return { user: toApiUser(user), organization, session };
}

/** A wrong password and an unknown email answer the same words after the same work. */
export async function login(
  ctx: AppContext,
  throttle: LoginThrottle,
  input: { email: string; password: string },
  client: ClientInfo,
) {
  await throttle.beforeAttempt(client.ip, input.email);
  const user = await findUserByEmail(ctx.db, input.email);
  const ok = user
    ? await verifyPassword(user.passwordHash, input.password)
    : await verifyAgainstDummy(input.password);
  if (!user || !ok) {
    await throttle.recordFailure(input.email);
    throw new Unauthenticated('The email or password is not correct.');
  }
  await throttle.recordSuccess(input.email);
  const session = await startSession(ctx, user.id, client);
  return { user: toApiUser(user), session };
}

export async function logout(ctx: AppContext, sessionId: string): Promise<void> {
  await revokeSession(ctx.db, sessionId, ctx.now());
  ctx.realtime.sessionRevoked(sessionId);
}

export async function me(ctx: AppContext, userId: string) {
  const user = await findUserById(ctx.db, userId);
  if (!user) throw new Unauthenticated();
  const organizations = await listOrganizations(ctx, userId);
  return {
    user: toApiUser(user),
    organizations: organizations.map(({ id, name, role }) => ({ id, name, role })),
  };
}
