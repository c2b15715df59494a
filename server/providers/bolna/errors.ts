/**
 * Typed errors for everything that can go wrong talking to Bolna. Callers match on the class (or `code`),
 * never on message text; the message is written for the person who will read it in the UI or the logs.
 */

/** Stable machine-readable reason, one per error class (plus the transport details of unavailability). */
export type BolnaErrorCode =
  | 'auth'
  | 'validation'
  | 'not_found'
  | 'rate_limited'
  | 'unavailable'
  | 'timeout'
  | 'network'
  | 'bad_request'
  | 'invalid_response'
  | 'invalid_payload';

/** Fields shared by every Bolna error. */
export interface BolnaErrorInit {
  code: BolnaErrorCode;
  /** HTTP status Bolna answered, null when no answer arrived. */
  status?: number | null;
  /** Bolna's own words (`message ?? detail ?? error`), null when it gave none. */
  providerMessage?: string | null;
  /** What we were doing, in words (`start a call to +9198…`). */
  operation?: string | null;
  cause?: unknown;
}

/** Base class: any failure of a Bolna request or of a Bolna payload. */
export class BolnaError extends Error {
  readonly code: BolnaErrorCode;
  readonly status: number | null;
  readonly providerMessage: string | null;
  readonly operation: string | null;

  constructor(message: string, init: BolnaErrorInit) {
    super(message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = 'BolnaError';
    this.code = init.code;
    this.status = init.status ?? null;
    this.providerMessage = init.providerMessage ?? null;
    this.operation = init.operation ?? null;
  }
}

/** The API key was refused: 401 per Bolna's docs, 403 `{detail}` live. Retrying will not help. */
export class BolnaAuthError extends BolnaError {
  constructor(message: string, init: Omit<BolnaErrorInit, 'code'>) {
    super(message, { ...init, code: 'auth' });
    this.name = 'BolnaAuthError';
  }
}

/** Bolna refused the request's content (422, 400, 409): a number not in E.164, a field it rejects, … */
export class BolnaValidationError extends BolnaError {
  constructor(message: string, init: Omit<BolnaErrorInit, 'code'>) {
    super(message, { ...init, code: 'validation' });
    this.name = 'BolnaValidationError';
  }
}

/** The agent or execution does not exist (or not for this API key). */
export class BolnaNotFoundError extends BolnaError {
  constructor(message: string, init: Omit<BolnaErrorInit, 'code'>) {
    super(message, { ...init, code: 'not_found' });
    this.name = 'BolnaNotFoundError';
  }
}

/** 429 that the client did not (or could no longer) wait out. `retryAfterMs` says when to come back. */
export class BolnaRateLimitError extends BolnaError {
  readonly retryAfterMs: number | null;

  constructor(message: string, init: Omit<BolnaErrorInit, 'code'> & { retryAfterMs: number | null }) {
    super(message, { ...init, code: 'rate_limited' });
    this.name = 'BolnaRateLimitError';
    this.retryAfterMs = init.retryAfterMs;
  }
}

/**
 * Bolna could not be reached or failed (5xx, network error, timeout). `outcomeUnknown` is true when a
 * non-idempotent request (POST /call) may have been carried out anyway: look the call up before retrying.
 */
export class BolnaUnavailableError extends BolnaError {
  readonly outcomeUnknown: boolean;

  constructor(
    message: string,
    init: Omit<BolnaErrorInit, 'code'> & {
      code?: 'unavailable' | 'timeout' | 'network';
      outcomeUnknown: boolean;
    },
  ) {
    super(message, { ...init, code: init.code ?? 'unavailable' });
    this.name = 'BolnaUnavailableError';
    this.outcomeUnknown = init.outcomeUnknown;
  }
}

/** Bolna answered something we cannot read (not JSON, or missing the field we need, e.g. an execution id). */
export class BolnaPayloadError extends BolnaError {
  constructor(
    message: string,
    init: Omit<BolnaErrorInit, 'code'> & { code?: 'invalid_response' | 'invalid_payload' },
  ) {
    super(message, { ...init, code: init.code ?? 'invalid_payload' });
    this.name = 'BolnaPayloadError';
  }
}

const MAX_MESSAGE = 300;

/**
 * Reads Bolna's own explanation from an error body: `message ?? detail ?? error`. `detail` may be a string,
 * a pydantic-style array `[{loc, msg}]` or an object; non-JSON bodies (an HTML 502 page) are reduced to
 * their text. Returns null when there is nothing readable.
 */
export function readProviderMessage(body: unknown): string | null {
  if (body == null) return null;
  if (typeof body === 'string') return cleanText(body);
  if (typeof body !== 'object' || Array.isArray(body)) return describeDetail(body);
  const record = body as Record<string, unknown>;
  for (const key of ['message', 'detail', 'error'] as const) {
    const text = describeDetail(record[key]);
    if (text) return text;
  }
  return null;
}

function describeDetail(detail: unknown): string | null {
  if (detail == null) return null;
  if (typeof detail === 'string') return cleanText(detail);
  if (typeof detail === 'number' || typeof detail === 'boolean') return String(detail);
  if (Array.isArray(detail)) {
    const parts = detail.map(describeDetail).filter((part): part is string => Boolean(part));
    return parts.length > 0 ? truncate(parts.join('; ')) : null;
  }
  if (typeof detail === 'object') {
    const item = detail as Record<string, unknown>;
    const msg =
      typeof item.msg === 'string' ? item.msg : typeof item.message === 'string' ? item.message : null;
    if (msg) {
      const loc = Array.isArray(item.loc) ? item.loc.filter((part) => part !== 'body').join('.') : '';
      return truncate(loc ? `${loc}: ${msg}` : msg);
    }
    return truncate(JSON.stringify(detail));
  }
  return null;
}

function cleanText(text: string): string | null {
  const stripped = text.includes('<')
    ? text
        .replace(/<[^>]*>/g, ' ')
        .replace(/\s+/g, ' ')
        .trim()
    : text.trim();
  return stripped ? truncate(stripped) : null;
}

function truncate(text: string): string {
  return text.length > MAX_MESSAGE ? `${text.slice(0, MAX_MESSAGE - 1)}…` : text;
}

/** What `errorFromResponse` needs to know about a failed answer. */
export interface FailedResponse {
  status: number;
  body: unknown;
  operation: string;
  /** True for GET/PUT/PATCH/DELETE: a 5xx means nothing happened that a retry could duplicate. */
  idempotent: boolean;
  retryAfterMs?: number | null;
}

/** Turns a non-2xx answer into the matching typed error with a message a user can act on. */
export function errorFromResponse(res: FailedResponse): BolnaError {
  const providerMessage = readProviderMessage(res.body);
  const base = { status: res.status, providerMessage, operation: res.operation };
  const said = providerMessage ? `: ${providerMessage}` : '';
  if (res.status === 401 || res.status === 403) {
    return new BolnaAuthError(
      `Bolna refused the API key while trying to ${res.operation} (HTTP ${res.status}${said}). ` +
        'Check the Bolna API key configured for this organization.',
      base,
    );
  }
  if (res.status === 404) {
    return new BolnaNotFoundError(
      `Bolna found nothing while trying to ${res.operation} (HTTP 404${said}).`,
      base,
    );
  }
  if (res.status === 400 || res.status === 409 || res.status === 422) {
    return new BolnaValidationError(
      `Bolna rejected the request to ${res.operation}${said || ' without giving a reason'}.`,
      base,
    );
  }
  if (res.status === 429) {
    const when =
      res.retryAfterMs != null ? `retry after ${Math.ceil(res.retryAfterMs / 1000)} s` : 'retry later';
    return new BolnaRateLimitError(
      `Bolna is rate limiting this API key while trying to ${res.operation}; ${when}.`,
      { ...base, retryAfterMs: res.retryAfterMs ?? null },
    );
  }
  if (res.status >= 500) {
    const unknown = res.idempotent
      ? ''
      : ' The request may have been carried out anyway: check before retrying.';
    return new BolnaUnavailableError(
      `Bolna failed (HTTP ${res.status}${said}) while trying to ${res.operation}. Try again later.${unknown}`,
      { ...base, outcomeUnknown: !res.idempotent },
    );
  }
  return new BolnaError(`Bolna answered HTTP ${res.status}${said} while trying to ${res.operation}.`, {
    ...base,
    code: 'bad_request',
  });
}
