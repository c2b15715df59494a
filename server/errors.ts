/**
 * The error catalogue: every error the API answers with is one of these classes, each with an
 * HTTP status and a stable machine-readable code. The error handler turns them into
 * `{error, message, details?, requestId}`.
 */
export class AppError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** A field-level problem, as reported in `details` of a 400. */
export interface FieldIssue {
  field: string;
  message: string;
}

export class ValidationFailed extends AppError {
  constructor(message: string, issues: FieldIssue[] = []) {
    super(400, 'validation_failed', message, issues.length ? { issues } : undefined);
  }

  /** A 400 about one field, e.g. `ValidationFailed.field('toNumber', 'must be E.164')`. */
  static field(field: string, message: string): ValidationFailed {
    return new ValidationFailed(`${field}: ${message}`, [{ field, message }]);
  }
}

export class Unauthenticated extends AppError {
  constructor(message = 'Sign in, or send an API key as `Authorization: Bearer <key>`.') {
    super(401, 'unauthenticated', message);
  }
}

export class Forbidden extends AppError {
  constructor(message = 'Your role does not allow this action.') {
    super(403, 'forbidden', message);
  }
}

export class NotFound extends AppError {
  constructor(what = 'Resource') {
    super(404, 'not_found', `${what} not found.`);
  }
}

export class Conflict extends AppError {
  constructor(message = 'This conflicts with existing data.', details?: unknown) {
    super(409, 'conflict', message, details);
  }
}

export class PayloadTooLarge extends AppError {
  constructor(message = 'The request body is too large.') {
    super(413, 'payload_too_large', message);
  }
}

export class RateLimited extends AppError {
  constructor(
    readonly retryAfterSeconds: number,
    message = 'Too many attempts. Try again later.',
  ) {
    super(429, 'rate_limited', message, { retryAfterSeconds });
  }
}

export class ProviderError extends AppError {
  constructor(message: string, details?: unknown) {
    super(502, 'provider_error', message, details);
  }
}

export class ServiceUnavailable extends AppError {
  constructor(message = 'The service is not ready.', details?: unknown) {
    super(503, 'service_unavailable', message, details);
  }
}
