/**
 * Logger options shared by the app and the CLI tools: structured pino, with every place a secret
 * can appear redacted (headers, bodies, the webhook token and invitation token in URLs).
 */
import type { FastifyServerOptions } from 'fastify';
import type { Config } from './config.js';

export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  '*.password',
  '*.passwordHash',
  '*.token',
  '*.key',
  '*.apiKey',
  '*.sessionSecret',
  '*.webhookTokenEnc',
  '*.adminToken',
];

/** Removes tokens carried in URLs: `?token=…` and `/api/invitations/<token>`. */
export function redactUrl(url: string): string {
  return url
    .replace(/([?&]token=)[^&#]*/gi, '$1[REDACTED]')
    .replace(/(\/api\/invitations\/)[^/?#]+/, '$1[REDACTED]');
}

export function loggerOptions(config: Pick<Config, 'logLevel' | 'env'>): FastifyServerOptions['logger'] {
  return {
    level: config.logLevel,
    redact: { paths: REDACT_PATHS, censor: '[REDACTED]' },
    serializers: {
      req(request) {
        return {
          method: request.method,
          url: redactUrl(request.url),
          remoteAddress: request.ip,
          userAgent: request.headers['user-agent'],
        };
      },
    },
  };
}
