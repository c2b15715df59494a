/**
 * The CLI's one HTTP client of the platform API: base URL + bearer key, answers checked against
 * the contract (`contract.ts`), and every failure turned into a `CliError` that tells the operator
 * what is wrong and what to do (wrong URL, refused key, role too low, unknown organization,
 * server failure).
 */
import type { z } from 'zod';
import type { Connection } from './config.js';
import { CliError, EXIT } from './errors.js';

/** How long a JSON request may take before the CLI gives up. */
export const DEFAULT_TIMEOUT_MS = 60_000;
/** Commands that talk to Bolna for every agent (syncs, configure) get longer. */
export const LONG_TIMEOUT_MS = 10 * 60_000;

type Query = Record<string, string | number | boolean | undefined>;

export interface RequestOptions {
  query?: Query;
  body?: unknown;
  timeoutMs?: number;
}

/** The error body every API failure has (`{error, message, details?, requestId}`). */
interface ErrorBody {
  error?: string;
  message?: string;
  details?: unknown;
  requestId?: string;
}

const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ETIMEDOUT',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_SOCKET',
]);

/**
 * `fetch` that turns network failures into CliErrors (exit 3) naming the URL; `what` says what was
 * being reached (the platform, its public webhook URL, …) and `hint` what to check.
 */
export async function fetchOrExplain(
  url: string,
  init: RequestInit & { timeoutMs?: number },
  what: { name: string; hint: string } = { name: url, hint: 'is the platform running?' },
): Promise<Response> {
  const { timeoutMs = DEFAULT_TIMEOUT_MS, ...rest } = init;
  try {
    return await fetch(url, { ...rest, signal: rest.signal ?? AbortSignal.timeout(timeoutMs) });
  } catch (err) {
    throw explainNetworkError(err, what, timeoutMs);
  }
}

/** A network-level failure (no HTTP answer) as a CliError. */
export function explainNetworkError(
  err: unknown,
  what: { name: string; hint: string },
  timeoutMs: number,
): CliError {
  if (err instanceof CliError) return err;
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e.name === 'TimeoutError' || e.name === 'AbortError') {
    return new CliError(
      `no answer from ${what.name} within ${Math.round(timeoutMs / 1000)} s: ${what.hint}`,
      EXIT.connection,
      'timeout',
    );
  }
  const code = e.cause?.code;
  const reason = code && CONNECTION_CODES.has(code) ? code : (e.cause?.message ?? e.message ?? String(err));
  return new CliError(`cannot reach ${what.name}: ${what.hint} (${reason})`, EXIT.connection, 'unreachable');
}

/** Reads an error body if it is the API's JSON error; null for HTML pages and the like. */
async function readErrorBody(res: Response): Promise<ErrorBody | null> {
  const text = await res.text().catch(() => '');
  try {
    const body = JSON.parse(text) as ErrorBody;
    return typeof body === 'object' && body !== null ? body : null;
  } catch {
    return null;
  }
}

const ORG_PATH = /^\/api\/orgs\/([^/?]+)(\/|$)/;

/** True for the platform-wide routes that only the server's ADMIN_TOKEN may call. */
export const isAdminPath = (path: string) => path.startsWith('/api/admin/');

/** The message telling an operator that a platform-wide command needs ADMIN_TOKEN. */
export function adminRequiredMessage(serverMessage?: string): string {
  return (
    'this needs the platform admin token: pass the server’s ADMIN_TOKEN as --key (or AUTOMITRA_API_KEY). ' +
    'An organization API key only works with --org <id> for its own organization' +
    (serverMessage ? ` (server: ${serverMessage})` : '.')
  );
}

export class ApiClient {
  constructor(readonly connection: Connection) {}

  get url(): string {
    return this.connection.url;
  }

  /** A GET whose JSON answer is checked with `schema`. */
  get<S extends z.ZodType>(path: string, schema: S, options: RequestOptions = {}): Promise<z.infer<S>> {
    return this.json('GET', path, schema, options);
  }

  /** A POST of `options.body` (JSON) whose answer is checked with `schema`. */
  post<S extends z.ZodType>(path: string, schema: S, options: RequestOptions = {}): Promise<z.infer<S>> {
    return this.json('POST', path, schema, options);
  }

  /** A JSON request: the answer parsed and checked, or a CliError explaining the failure. */
  async json<S extends z.ZodType>(
    method: string,
    path: string,
    schema: S,
    options: RequestOptions = {},
  ): Promise<z.infer<S>> {
    const res = await this.send(method, path, options);
    const text = await res.text();
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new CliError(
        `unexpected answer from ${method} ${this.url}${path}: not JSON (${text.slice(0, 120)}…). ` +
          'Is --url the Automitra platform?',
        EXIT.failed,
        'unexpected_answer',
      );
    }
    const parsed = schema.safeParse(body);
    if (!parsed.success) {
      const issues = parsed.error.issues
        .slice(0, 3)
        .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
        .join('; ');
      throw new CliError(
        `unexpected answer from ${method} ${path}: ${issues}. Is the server the same version as this CLI?`,
        EXIT.failed,
        'unexpected_answer',
      );
    }
    return parsed.data;
  }

  /**
   * Sends a request and returns the successful (2xx) response with its body unread (streams use
   * this), or throws the explained error.
   */
  async send(method: string, path: string, options: RequestOptions = {}): Promise<Response> {
    const target = `${this.url}${path}${queryString(options.query)}`;
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    // The timeout covers the wait for the answer's headers, not the reading of a streamed body.
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new DOMException('timeout', 'TimeoutError')), timeoutMs);
    let res: Response;
    try {
      res = await fetch(target, {
        method,
        headers: {
          authorization: `Bearer ${this.connection.key}`,
          accept: 'application/json',
          ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        signal: controller.signal,
      });
    } catch (err) {
      const cause = controller.signal.aborted ? controller.signal.reason : err;
      throw explainNetworkError(
        cause,
        { name: this.url, hint: 'is the platform running, and is --url (or AUTOMITRA_URL) right?' },
        timeoutMs,
      );
    } finally {
      clearTimeout(timer);
    }
    if (res.ok) return res;
    throw await this.explainFailure(method, path, res);
  }

  /** Turns a 4xx/5xx answer into the CliError an operator can act on. */
  private async explainFailure(method: string, path: string, res: Response): Promise<CliError> {
    const body = await readErrorBody(res);
    const serverMessage = body?.message;
    const where = `${method} ${path}`;
    const requestId = body?.requestId ? ` [request ${body.requestId}]` : '';
    if (!body) {
      return new CliError(
        `unexpected answer from ${where}: HTTP ${res.status} without the API's JSON error. Is --url the Automitra platform?`,
        res.status >= 500 ? EXIT.failed : EXIT.connection,
        'unexpected_answer',
      );
    }
    // An organization key is valid but not the platform's: 403 on /api/admin/*.
    if (res.status === 403 && isAdminPath(path)) {
      return new CliError(adminRequiredMessage(serverMessage), EXIT.connection, 'admin_required');
    }
    if (res.status === 401) {
      const from = { flag: '--key', env: 'AUTOMITRA_API_KEY', config: 'the key saved by `automitra login`' }[
        this.connection.keySource
      ];
      return new CliError(
        `the API key was refused by ${this.url} (${serverMessage ?? 'unauthenticated'}): check ${from}, ` +
          'or create a new key in the organization settings',
        EXIT.connection,
        'unauthorized',
      );
    }
    if (res.status === 403) {
      return new CliError(
        `not allowed: ${serverMessage ?? 'forbidden'} Use a key with that role, or the server’s ADMIN_TOKEN.`,
        EXIT.connection,
        'forbidden',
      );
    }
    if (res.status === 404) {
      const orgId = ORG_PATH.exec(path)?.[1];
      if (orgId && !(await this.organizationVisible(orgId))) {
        return unknownOrganization(orgId);
      }
      return new CliError(
        `${where}: ${serverMessage ?? 'not found'} (404). If the route itself is missing, the server is older than this CLI.`,
        EXIT.failed,
        'not_found',
      );
    }
    if (res.status === 400) {
      return new CliError(`the server refused ${where}: ${serverMessage}`, EXIT.usage, 'validation_failed');
    }
    if (res.status >= 500) {
      return new CliError(
        `the server failed on ${where} (${res.status} ${body.error ?? ''}): ${serverMessage}${requestId}. ` +
          'See the server log for this request id.',
        EXIT.failed,
        'server_error',
      );
    }
    return new CliError(
      `${where} failed (${res.status}): ${serverMessage}${requestId}`,
      EXIT.failed,
      'failed',
    );
  }

  /** Whether the key sees organization `orgId` (`GET /api/orgs/:orgId`). */
  private async organizationVisible(orgId: string): Promise<boolean> {
    try {
      const res = await fetch(`${this.url}/api/orgs/${encodeURIComponent(orgId)}`, {
        headers: { authorization: `Bearer ${this.connection.key}` },
        signal: AbortSignal.timeout(DEFAULT_TIMEOUT_MS),
      });
      await res.body?.cancel();
      return res.status !== 404;
    } catch {
      return true;
    }
  }
}

/** The error for an organization id the key cannot see. */
export function unknownOrganization(orgId: string): CliError {
  return new CliError(
    `unknown organization ${orgId}: no organization with this id is visible to this key. ` +
      'List them with `automitra orgs list`.',
    EXIT.connection,
    'unknown_org',
  );
}

function queryString(query: Query | undefined): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined) params.set(k, String(v));
  const s = params.toString();
  return s ? `?${s}` : '';
}
