/** What every module receives: configuration, the database and a clock, built once per app. */
import type { FastifyBaseLogger } from 'fastify';
import type { RedisClientType } from 'redis';
import type { Config } from './config.js';
import type { Database, Db } from './db/index.js';
import type { SecretBox } from './lib/crypto.js';
import type { DomainMetrics } from './domain-metrics.js';
import type { JobRuntime } from './jobs/types.js';
import type { BolnaClient } from './providers/bolna/index.js';
import type { RealtimePublisher } from './realtime/publisher.js';

export interface AppContext {
  readonly config: Config;
  readonly database: Database;
  readonly db: Db;
  /** Current time; injected so tests control it. */
  readonly now: () => Date;
  /** Encrypts secrets that must be shown again (webhook tokens). */
  readonly secrets: SecretBox;
  /** Bolna's API (or the simulator standing in for it). */
  readonly bolna: BolnaClient;
  /** Durable background jobs (pg-boss). */
  readonly jobs: JobRuntime;
  /** The platform's own Prometheus counters. */
  readonly metrics: DomainMetrics;
  /** Shared state between nodes (limits, coalescing), when `REDIS_URL` is set. */
  readonly redis?: RedisClientType;
  /** Live updates to the browsers and clients of each organization (emit after commit). */
  readonly realtime: RealtimePublisher;
  /** Structured log for work outside a request (jobs, background merges). */
  readonly log: FastifyBaseLogger;
}

/** Dates leave the API as ISO strings. */
export function iso(date: Date): string;
export function iso(date: Date | null): string | null;
export function iso(date: Date | null): string | null {
  return date ? date.toISOString() : null;
}
