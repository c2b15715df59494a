import type { FastifyReply, FastifyRequest } from 'fastify';
import {
  LoginBody,
  LoginResponse,
  MeResponse,
  SignupBody,
  SignupResponse,
} from '../../../common/schemas/accounts.js';
import { ErrorBody } from '../../../common/schemas/common.js';
import type { AppContext } from '../../context.js';
import { NoContent, type App } from '../../http.js';
import { login, logout, me, signup, type ClientInfo, type NewSession } from './auth.service.js';
import { createLoginThrottle } from './login-throttle.js';
import { SESSION_COOKIE, resolvePrincipal, type Guards } from './principal.js';

export function clientInfo(request: FastifyRequest): ClientInfo {
  return { ip: request.ip, userAgent: request.headers['user-agent'] ?? null };
}

export function setSessionCookie(ctx: AppContext, reply: FastifyReply, session: NewSession): void {
  reply.setCookie(SESSION_COOKIE, session.token, {
    httpOnly: true,
    sameSite: 'lax',
    secure: ctx.config.cookieSecure,
    path: '/',
    expires: session.expiresAt,
  });
}

export function registerAuthRoutes(app: App, ctx: AppContext, guards: Guards): void {
  const throttle = createLoginThrottle(ctx.config.loginThrottle, ctx.redis);
  const tags = ['auth'];

  app.post(
    '/api/auth/signup',
    {
      schema: {
        tags,
        summary: 'Create an account and its first organization',
        security: [],
        body: SignupBody,
        response: { 201: SignupResponse, 400: ErrorBody, 409: ErrorBody, 429: ErrorBody },
      },
    },
    async (request, reply) => {
      // Sign-ups count against the same per-IP budget as sign-ins.
      await throttle.beforeAttempt(request.ip, `signup:${request.ip}`);
      const { user, organization, session } = await signup(ctx, request.body, clientInfo(request));
      setSessionCookie(ctx, reply, session);
      return reply.status(201).send({ user, organization });
    },
  );

  app.post(
    '/api/auth/login',
    {
      schema: {
        tags,
        summary: 'Sign in with email and password',
        security: [],
        body: LoginBody,
        response: { 200: LoginResponse, 400: ErrorBody, 401: ErrorBody, 429: ErrorBody },
      },
    },
    async (request, reply) => {
      const { user, session } = await login(ctx, throttle, request.body, clientInfo(request));
      setSessionCookie(ctx, reply, session);
      return { user };
    },
  );

  app.post(
    '/api/auth/logout',
    { schema: { tags, summary: 'Sign out: revokes the session', response: { 204: NoContent } } },
    async (request, reply) => {
      const principal = await resolvePrincipal(ctx, request).catch(() => null);
      if (principal?.kind === 'user') await logout(ctx, principal.sessionId);
      reply.clearCookie(SESSION_COOKIE, { path: '/' });
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/api/auth/me',
    {
      onRequest: guards.user,
      schema: {
        tags,
        summary: 'The signed-in user and their organizations',
        response: { 200: MeResponse, 401: ErrorBody },
      },
    },
    async (request) => {
      const principal = request.principal!;
      return me(ctx, principal.kind === 'user' ? principal.userId : '');
    },
  );
}
