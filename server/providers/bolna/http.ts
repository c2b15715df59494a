import { BolnaError, BolnaPayloadError, BolnaUnavailableError, errorFromResponse } from './errors.js';

/**
 * The transport under the Bolna client: one place for auth headers, timeouts, retries and 429 handling.
 *
 * Retry policy (why): a 5xx, a network error or a timeout on an idempotent request (GET, PUT, PATCH, DELETE)
 * is retried with exponential backoff and full jitter, because doing it twice is harmless. POST is never
 * retried on those failures: POST /call could place a second phone call. A 429 means the request was not
 * processed, so every method waits `Retry-After` and tries again.
 */

/** HTTP methods the Bolna API uses. */
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** Waits `ms`; injectable so tests and schedulers control time. */
export type Sleep = (ms: number) => Promise<void>;

/** Resolved transport settings (see `BolnaClientOptions` for the meaning of each). */
export interface TransportOptions {
  baseUrl: string;
  apiKey: string;
  timeoutMs: number;
  maxRetries: number;
  maxRateLimitRetries: number;
  maxRetryAfterMs: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  fetch: typeof globalThis.fetch;
  sleep: Sleep;
  random: () => number;
}

/** One request to Bolna. `operation` names it in words for error messages. */
export interface RequestSpec {
  method: HttpMethod;
  path: string;
  query?: Record<string, string | number | undefined>;
  body?: unknown;
  operation: string;
}

/** A 2xx answer: its status (200 or 201 both mean success) and parsed JSON body (null when empty). */
export interface SuccessResponse {
  status: number;
  body: unknown;
}

const IDEMPOTENT: ReadonlySet<HttpMethod> = new Set(['GET', 'PUT', 'PATCH', 'DELETE']);
/** Errors raised before anything was sent: even a POST can safely be reported as "not carried out". */
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN']);

/** The default `sleep`: a plain timer. */
export const realSleep: Sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Parses a `Retry-After` header: delay in seconds (decimals tolerated) or an HTTP date.
 * Returns milliseconds to wait (never negative), or null when absent or unreadable.
 */
export function parseRetryAfter(header: string | null | undefined, now: number = Date.now()): number | null {
  if (header == null) return null;
  const text = header.trim();
  if (text === '') return null;
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const at = Date.parse(text);
  if (Number.isNaN(at)) return null;
  return Math.max(0, at - now);
}

/** Full-jitter exponential backoff: a uniform delay in [0, min(max, base·2^attempt)). */
export function backoffDelay(
  attempt: number,
  opts: Pick<TransportOptions, 'backoffBaseMs' | 'backoffMaxMs' | 'random'>,
) {
  const ceiling = Math.min(opts.backoffMaxMs, opts.backoffBaseMs * 2 ** attempt);
  return Math.floor(opts.random() * ceiling);
}

/** Sends one logical request, with the retry policy above. Throws a typed `BolnaError` on failure. */
export async function sendRequest(opts: TransportOptions, spec: RequestSpec): Promise<SuccessResponse> {
  const idempotent = IDEMPOTENT.has(spec.method);
  let failures = 0;
  let rateLimited = 0;
  for (;;) {
    let answer: { status: number; text: string; retryAfter: string | null };
    try {
      answer = await sendOnce(opts, spec);
    } catch (err) {
      const error = transportError(err, spec, idempotent);
      if (idempotent && failures < opts.maxRetries) {
        await opts.sleep(backoffDelay(failures++, opts));
        continue;
      }
      throw error;
    }
    const { status } = answer;
    if (status >= 200 && status < 300) {
      return { status, body: parseSuccessBody(answer.text, status, spec) };
    }
    const body = parseErrorBody(answer.text);
    if (status === 429) {
      const retryAfterMs = parseRetryAfter(answer.retryAfter);
      // Without Retry-After, back off from one second (a jittered retry could come back at once).
      const wait = retryAfterMs ?? Math.min(opts.backoffMaxMs, 1000 * 2 ** rateLimited);
      if (rateLimited < opts.maxRateLimitRetries && wait <= opts.maxRetryAfterMs) {
        rateLimited += 1;
        await opts.sleep(wait);
        continue;
      }
      throw errorFromResponse({ status, body, operation: spec.operation, idempotent, retryAfterMs });
    }
    if (status >= 500 && idempotent && failures < opts.maxRetries) {
      await opts.sleep(backoffDelay(failures++, opts));
      continue;
    }
    throw errorFromResponse({ status, body, operation: spec.operation, idempotent });
  }
}

class RequestTimeout extends Error {}

async function sendOnce(opts: TransportOptions, spec: RequestSpec) {
  const url = new URL(
    spec.path.replace(/^\//, ''),
    opts.baseUrl.endsWith('/') ? opts.baseUrl : `${opts.baseUrl}/`,
  );
  for (const [key, value] of Object.entries(spec.query ?? {})) {
    if (value !== undefined) url.searchParams.set(key, String(value));
  }
  const headers: Record<string, string> = {
    authorization: `Bearer ${opts.apiKey}`,
    accept: 'application/json',
  };
  if (spec.body !== undefined) headers['content-type'] = 'application/json';
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new RequestTimeout()), opts.timeoutMs);
  try {
    const res = await opts.fetch(url, {
      method: spec.method,
      headers,
      body: spec.body === undefined ? undefined : JSON.stringify(spec.body),
      signal: controller.signal,
    });
    const text = await res.text();
    return { status: res.status, text, retryAfter: res.headers.get('retry-after') };
  } catch (err) {
    if (controller.signal.reason instanceof RequestTimeout) throw controller.signal.reason;
    throw err;
  } finally {
    clearTimeout(timer);
  }
}

function transportError(err: unknown, spec: RequestSpec, idempotent: boolean): BolnaError {
  if (err instanceof BolnaError) return err;
  if (err instanceof RequestTimeout) {
    return new BolnaUnavailableError(
      `Bolna did not answer in time while trying to ${spec.operation}. Try again later.` +
        (idempotent ? '' : ' The request may have been carried out anyway: check before retrying.'),
      { code: 'timeout', operation: spec.operation, outcomeUnknown: !idempotent, cause: err },
    );
  }
  const code = networkCode(err);
  const notSent = code !== null && NOT_SENT_CODES.has(code);
  return new BolnaUnavailableError(
    `Could not reach Bolna while trying to ${spec.operation}${code ? ` (${code})` : ''}. ` +
      'Check the Bolna base URL and the network, then try again.',
    { code: 'network', operation: spec.operation, outcomeUnknown: !idempotent && !notSent, cause: err },
  );
}

function networkCode(err: unknown): string | null {
  let current: unknown = err;
  for (let depth = 0; depth < 4 && current && typeof current === 'object'; depth += 1) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return null;
}

function parseSuccessBody(text: string, status: number, spec: RequestSpec): unknown {
  if (text.trim() === '') return null;
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new BolnaPayloadError(
      `Bolna answered HTTP ${status} with a body that is not JSON while trying to ${spec.operation}.`,
      { code: 'invalid_response', status, operation: spec.operation, cause: err },
    );
  }
}

function parseErrorBody(text: string): unknown {
  if (text.trim() === '') return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
