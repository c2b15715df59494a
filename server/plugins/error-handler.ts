/**
 * The one error handler: every failure leaves as `{error, message, details?, requestId}`.
 * Catalogue errors keep their status and code; schema validation becomes a 400 naming each field;
 * PostgreSQL's unique violation (23505) becomes a 409; anything else is a 500 whose internals
 * stay in the log.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors, isResponseSerializationError } from 'fastify-type-provider-zod';
import { AppError, RateLimited, type FieldIssue } from '../errors.js';

export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, request, reply) => {
    if (err instanceof AppError) return sendAppError(err, request, reply);

    if (hasZodFastifySchemaValidationErrors(err)) {
      const where = err.validationContext ?? 'body';
      const issues: FieldIssue[] = err.validation.map((v) => ({
        field: fieldName(where, v.instancePath),
        message: v.message ?? 'is invalid',
      }));
      const summary = issues.map((i) => `${i.field}: ${i.message}`).join('; ');
      return send(reply, request, 400, 'validation_failed', `Invalid request ${where}. ${summary}`, {
        issues,
      });
    }

    const pgCode = postgresErrorCode(err);
    if (pgCode === '23505') {
      return send(reply, request, 409, 'conflict', 'This conflicts with an existing record.');
    }

    if (isResponseSerializationError(err)) {
      request.log.error({ err, issues: err.cause.issues }, 'response did not match its schema');
      return send(reply, request, 500, 'internal', 'Internal server error.');
    }

    const status = err.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      return send(reply, request, status, clientErrorCode(err, status), clientErrorMessage(err, status));
    }
    request.log.error({ err }, 'unhandled error');
    return send(reply, request, 500, 'internal', 'Internal server error.');
  });

  app.setNotFoundHandler((request, reply) =>
    send(reply, request, 404, 'not_found', `Route ${request.method} ${request.url.split('?')[0]} not found.`),
  );
}

function sendAppError(err: AppError, request: FastifyRequest, reply: FastifyReply) {
  if (err instanceof RateLimited) reply.header('retry-after', String(err.retryAfterSeconds));
  if (err.statusCode >= 500) request.log.error({ err }, err.message);
  return send(reply, request, err.statusCode, err.code, err.message, err.details);
}

function send(
  reply: FastifyReply,
  request: FastifyRequest,
  status: number,
  error: string,
  message: string,
  details?: unknown,
) {
  return reply
    .status(status)
    .type('application/json; charset=utf-8')
    .send(
      JSON.stringify({
        error,
        message,
        ...(details === undefined ? {} : { details }),
        requestId: request.id,
      }),
    );
}

function fieldName(context: string, instancePath: string): string {
  const path = instancePath.replace(/^\//, '').replaceAll('/', '.');
  if (context === 'body') return path || 'body';
  return path ? `${context}.${path}` : context;
}

function postgresErrorCode(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return code;
  }
  return undefined;
}

const FASTIFY_CLIENT_ERRORS: Record<string, [string, string]> = {
  FST_ERR_CTP_INVALID_JSON_BODY: ['invalid_json', 'The request body is not valid JSON.'],
  FST_ERR_CTP_EMPTY_JSON_BODY: ['invalid_json', 'The request body is empty but declared as JSON.'],
  FST_ERR_CTP_BODY_TOO_LARGE: ['payload_too_large', 'The request body is too large.'],
  FST_ERR_CTP_INVALID_MEDIA_TYPE: ['unsupported_media_type', 'Send the body as application/json.'],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: ['bad_request', 'Content-Length does not match the body.'],
};

function clientErrorCode(err: FastifyError, status: number): string {
  const known = err.code ? FASTIFY_CLIENT_ERRORS[err.code] : undefined;
  if (known) return known[0];
  if (err instanceof SyntaxError) return 'invalid_json';
  return status === 413 ? 'payload_too_large' : status === 415 ? 'unsupported_media_type' : 'bad_request';
}

function clientErrorMessage(err: FastifyError, status: number): string {
  const known = err.code ? FASTIFY_CLIENT_ERRORS[err.code] : undefined;
  if (known) return known[1];
  if (err instanceof SyntaxError) return 'The request body is not valid JSON.';
  return status === 413 ? 'The request body is too large.' : err.message;
}
