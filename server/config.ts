import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import path from 'node:path';
import { z } from 'zod';
import { parseSimulatorEnv } from '../simulator/env.js';
import type { SimulatorOptions } from '../simulator/server.js';

const boolFromEnv = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const urlWithoutTrailingSlash = z.url().transform((v) => v.replace(/\/+$/, ''));

const ipList = z
  .string()
  .transform((v) =>
    v
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  )
  .refine((list) => list.every((entry) => isIpOrCidr(entry)), {
    message: 'must be a comma-separated list of IP addresses or CIDR ranges',
  });

function isIpOrCidr(entry: string): boolean {
  const [addr, bits, extra] = entry.split('/');
  if (extra !== undefined || !addr) return false;
  const family = isIP(addr);
  if (family === 0) return false;
  if (bits === undefined) return true;
  const n = Number(bits);
  return Number.isInteger(n) && n >= 0 && n <= (family === 4 ? 32 : 128);
}

/** Every environment variable the platform reads, with its default. Parsed once at start. */
const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: z.coerce.number().int().min(0).max(65535).default(5000),
  HOST: z.string().min(1).default('0.0.0.0'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
    .optional(),
  DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(200).default(10),
  DATA_DIR: z.string().min(1).default('./data'),
  PUBLIC_URL: urlWithoutTrailingSlash.optional(),
  PUBLIC_WEBHOOK_URL: urlWithoutTrailingSlash.optional(),
  SESSION_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  SESSION_TTL_HOURS: z.coerce
    .number()
    .int()
    .min(1)
    .max(24 * 365)
    .default(24 * 14),
  COOKIE_SECURE: boolFromEnv.optional(),
  TRUST_PROXY: z.string().optional(),
  WEBHOOK_IP_ALLOWLIST: ipList.optional(),
  LOGIN_MAX_FAILURES_PER_ACCOUNT: z.coerce.number().int().min(1).default(10),
  LOGIN_MAX_ATTEMPTS_PER_IP: z.coerce.number().int().min(1).default(100),
  LOGIN_THROTTLE_WINDOW_S: z.coerce
    .number()
    .int()
    .min(1)
    .default(15 * 60),
  INVITATION_TTL_HOURS: z.coerce
    .number()
    .int()
    .min(1)
    .default(24 * 7),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL')
    .optional(),
  ADMIN_TOKEN: z.string().min(32, 'must be at least 32 characters').optional(),
  BOLNA_API_KEY: z.string().trim().min(1).optional(),
  BOLNA_BASE_URL: urlWithoutTrailingSlash.default('https://api.bolna.ai'),
  BOLNA_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(15_000),
  POLL_INTERVAL_S: z.coerce.number().min(1).max(3600).default(10),
  POLL_WINDOW_MIN: z.coerce
    .number()
    .min(0)
    .max(24 * 60)
    .default(15),
  POLL_BUDGET_PER_MIN: z.coerce.number().int().min(1).max(100_000).default(300),
  STALE_CALL_AFTER_MIN: z.coerce
    .number()
    .min(1)
    .max(7 * 24 * 60)
    .default(60),
  WEBHOOK_BODY_LIMIT_KB: z.coerce.number().int().min(1).max(10_240).default(512),
});

export type Env = z.infer<typeof envSchema>;

/** The platform's configuration: frozen, read once at start; nothing else reads `process.env`. */
export interface Config {
  readonly env: Env['NODE_ENV'];
  readonly port: number;
  readonly host: string;
  readonly logLevel: Env['LOG_LEVEL'];
  readonly database: { readonly url?: string; readonly poolMax: number; readonly dataDir: string };
  readonly publicUrl: string;
  readonly publicWebhookUrl: string;
  readonly sessionSecret: string;
  readonly sessionTtlMs: number;
  readonly cookieSecure: boolean;
  readonly trustProxy: boolean | string;
  readonly webhookIpAllowlist: readonly string[];
  readonly loginThrottle: {
    readonly maxFailuresPerAccount: number;
    readonly maxAttemptsPerIp: number;
    readonly windowSeconds: number;
  };
  readonly invitationTtlMs: number;
  readonly bolna: {
    readonly apiKey: string;
    readonly baseUrl: string;
    readonly timeoutMs: number;
    /** No BOLNA_API_KEY: the built-in simulator is started in-process and used instead. */
    readonly demo: boolean;
  };
  readonly polling: {
    readonly intervalMs: number;
    readonly windowMs: number;
    /** GET /executions calls per minute per Bolna API key. */
    readonly budgetPerMinute: number;
    readonly staleAfterMs: number;
  };
  readonly webhookBodyLimitBytes: number;
  /** The platform operator's bearer token for `/api/admin/*` and every organization; unset: none. */
  readonly adminToken?: string;
  /** Redis for several nodes (Socket.IO adapter, shared limits); unset: a single node. */
  readonly redisUrl?: string;
  /** Options of the in-process simulator (demo mode), from the `SIM_*` variables. */
  readonly simulator: SimulatorOptions & { port: number };
}

/** Raised with every invalid variable at once, so an operator fixes them all in one go. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/**
 * Parses the environment into a frozen {@link Config}. Reports every problem together.
 * Without `SESSION_SECRET` outside production, a secret is generated once and kept in `DATA_DIR`.
 */
export function loadConfig(source: Record<string, string | undefined> = process.env): Config {
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = envSchema.safeParse(cleaned);
  const simulator = parseSimulatorEnv(cleaned);
  const problems = [
    ...(parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join('.') || '(env)'}: ${i.message}`)),
    ...(simulator.ok ? [] : simulator.errors),
  ];
  if (!parsed.success || !simulator.ok) throw new ConfigError(problems);
  const env = parsed.data;
  const demo = !env.BOLNA_API_KEY;
  const simulatorKey = simulator.options.apiKeys?.[0] ?? 'sim-key';
  if (env.NODE_ENV === 'production' && !env.SESSION_SECRET) {
    throw new ConfigError([
      'SESSION_SECRET: required in production (at least 32 characters, e.g. `openssl rand -hex 32`); every node must share it',
    ]);
  }
  const dataDir = path.resolve(env.DATA_DIR);
  const publicUrl = env.PUBLIC_URL ?? `http://localhost:${env.PORT}`;
  return Object.freeze({
    env: env.NODE_ENV,
    port: env.PORT,
    host: env.HOST,
    logLevel: env.LOG_LEVEL,
    database: Object.freeze({ url: env.DATABASE_URL, poolMax: env.DATABASE_POOL_MAX, dataDir }),
    publicUrl,
    publicWebhookUrl: env.PUBLIC_WEBHOOK_URL ?? publicUrl,
    sessionSecret: env.SESSION_SECRET ?? persistedDevSecret(dataDir),
    sessionTtlMs: env.SESSION_TTL_HOURS * 3_600_000,
    cookieSecure: env.COOKIE_SECURE ?? publicUrl.startsWith('https://'),
    trustProxy: parseTrustProxy(env.TRUST_PROXY),
    webhookIpAllowlist: Object.freeze(env.WEBHOOK_IP_ALLOWLIST ?? []),
    loginThrottle: Object.freeze({
      maxFailuresPerAccount: env.LOGIN_MAX_FAILURES_PER_ACCOUNT,
      maxAttemptsPerIp: env.LOGIN_MAX_ATTEMPTS_PER_IP,
      windowSeconds: env.LOGIN_THROTTLE_WINDOW_S,
    }),
    invitationTtlMs: env.INVITATION_TTL_HOURS * 3_600_000,
    bolna: Object.freeze({
      apiKey: env.BOLNA_API_KEY ?? simulatorKey,
      // In demo mode the base URL is the in-process simulator's, set once it listens.
      baseUrl: demo ? `http://127.0.0.1:${simulator.options.port}` : env.BOLNA_BASE_URL,
      timeoutMs: env.BOLNA_TIMEOUT_MS,
      demo,
    }),
    simulator: Object.freeze({ ...simulator.options, apiKeys: [simulatorKey] }),
    polling: Object.freeze({
      intervalMs: env.POLL_INTERVAL_S * 1000,
      windowMs: env.POLL_WINDOW_MIN * 60_000,
      budgetPerMinute: env.POLL_BUDGET_PER_MIN,
      staleAfterMs: env.STALE_CALL_AFTER_MIN * 60_000,
    }),
    webhookBodyLimitBytes: env.WEBHOOK_BODY_LIMIT_KB * 1024,
    redisUrl: env.REDIS_URL,
    adminToken: env.ADMIN_TOKEN,
  });
}

function parseTrustProxy(value: string | undefined): boolean | string {
  if (value === undefined || value === 'false' || value === '0') return false;
  if (value === 'true' || value === '1') return true;
  return value;
}

/** A development convenience: one random secret per data folder, readable only by its owner. */
function persistedDevSecret(dataDir: string): string {
  const file = path.join(dataDir, '.session-secret');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(dataDir, { recursive: true });
  const secret = randomBytes(32).toString('hex');
  writeFileSync(file, secret, { mode: 0o600 });
  chmodSync(file, 0o600);
  return secret;
}
