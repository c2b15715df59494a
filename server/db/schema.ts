/**
 * Drizzle table definitions: the typed view of the schema that `migrations/*.sql` creates.
 * Tables are snake_case; repositories map rows to the camelCase API shapes.
 */
import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  date,
  integer,
  jsonb,
  numeric,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uuid,
} from 'drizzle-orm/pg-core';

const createdAt = () => timestamp('created_at', { withTimezone: true }).notNull().defaultNow();
const updatedAt = () => timestamp('updated_at', { withTimezone: true }).notNull().defaultNow();

export const schemaMigrations = pgTable('schema_migrations', {
  version: integer('version').primaryKey(),
  name: text('name').notNull(),
  checksum: text('checksum').notNull(),
  appliedAt: timestamp('applied_at', { withTimezone: true }).notNull().defaultNow(),
});

export const users = pgTable('users', {
  id: uuid('id')
    .primaryKey()
    .default(sql`gen_random_uuid()`),
  email: text('email').notNull(),
  name: text('name').notNull(),
  passwordHash: text('password_hash').notNull(),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

export const organizations = pgTable('organizations', {
  id: uuid('id')
    .primaryKey()
    .default(sql`gen_random_uuid()`),
  name: text('name').notNull(),
  webhookTokenHash: text('webhook_token_hash').notNull(),
  webhookTokenEnc: text('webhook_token_enc').notNull(),
  webhookTokenRotatedAt: timestamp('webhook_token_rotated_at', { withTimezone: true }).notNull().defaultNow(),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

export const memberships = pgTable(
  'memberships',
  {
    organizationId: uuid('organization_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'cascade' }),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    role: text('role').notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.organizationId, t.userId] })],
);

export const sessions = pgTable('sessions', {
  id: uuid('id')
    .primaryKey()
    .default(sql`gen_random_uuid()`),
  userId: uuid('user_id')
    .notNull()
    .references(() => users.id, { onDelete: 'cascade' }),
  tokenHash: text('token_hash').notNull(),
  createdAt: createdAt(),
  expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
  lastSeenAt: timestamp('last_seen_at', { withTimezone: true }).notNull().defaultNow(),
  revokedAt: timestamp('revoked_at', { withTimezone: true }),
  ip: text('ip'),
  userAgent: text('user_agent'),
});

export const invitations = pgTable('invitations', {
  id: uuid('id')
    .primaryKey()
    .default(sql`gen_random_uuid()`),
  organizationId: uuid('organization_id')
    .notNull()
    .references(() => organizations.id, { onDelete: 'cascade' }),
  email: text('email').notNull(),
  role: text('role').notNull(),
  tokenHash: text('token_hash').notNull(),
  invitedBy: uuid('invited_by').references(() => users.id, { onDelete: 'set null' }),
  createdAt: createdAt(),
  expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
  acceptedAt: timestamp('accepted_at', { withTimezone: true }),
  acceptedBy: uuid('accepted_by').references(() => users.id, { onDelete: 'set null' }),
  revokedAt: timestamp('revoked_at', { withTimezone: true }),
});

export const apiKeys = pgTable('api_keys', {
  id: uuid('id')
    .primaryKey()
    .default(sql`gen_random_uuid()`),
  organizationId: uuid('organization_id')
    .notNull()
    .references(() => organizations.id, { onDelete: 'cascade' }),
  name: text('name').notNull(),
  prefix: text('prefix').notNull(),
  keyHash: text('key_hash').notNull(),
  role: text('role').notNull(),
  createdBy: uuid('created_by').references(() => users.id, { onDelete: 'set null' }),
  createdAt: createdAt(),
  lastUsedAt: timestamp('last_used_at', { withTimezone: true }),
  revokedAt: timestamp('revoked_at', { withTimezone: true }),
});

export const agents = pgTable('agents', {
  id: uuid('id')
    .primaryKey()
    .default(sql`gen_random_uuid()`),
  organizationId: uuid('organization_id')
    .notNull()
    .references(() => organizations.id, { onDelete: 'cascade' }),
  name: text('name').notNull(),
  welcomeMessage: text('welcome_message').notNull().default(''),
  systemPrompt: text('system_prompt').notNull().default(''),
  language: text('language').notNull().default('en'),
  voice: text('voice'),
  llmModel: text('llm_model'),
  fromNumber: text('from_number'),
  provider: text('provider').notNull().default('bolna'),
  providerAgentId: text('provider_agent_id'),
  syncStatus: text('sync_status').notNull().default('pending'),
  syncError: text('sync_error'),
  syncAttempts: integer('sync_attempts').notNull().default(0),
  lastSyncedAt: timestamp('last_synced_at', { withTimezone: true }),
  webhookUrl: text('webhook_url'),
  webhookOk: boolean('webhook_ok').notNull().default(false),
  syncLeaseUntil: timestamp('sync_lease_until', { withTimezone: true }),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
  deletedAt: timestamp('deleted_at', { withTimezone: true }),
});

export const calls = pgTable('calls', {
  id: uuid('id')
    .primaryKey()
    .default(sql`gen_random_uuid()`),
  organizationId: uuid('organization_id')
    .notNull()
    .references(() => organizations.id, { onDelete: 'cascade' }),
  agentId: uuid('agent_id').references(() => agents.id, { onDelete: 'set null' }),
  provider: text('provider').notNull().default('bolna'),
  providerCallId: text('provider_call_id'),
  direction: text('direction').notNull().default('outbound'),
  status: text('status').notNull(),
  toNumber: text('to_number'),
  fromNumber: text('from_number'),
  duration: numeric('duration', { precision: 12, scale: 3, mode: 'number' }),
  transcription: text('transcription'),
  recordingUrl: text('recording_url'),
  summary: text('summary'),
  extractedData: jsonb('extracted_data').$type<Record<string, unknown>>(),
  totalCostCents: numeric('total_cost_cents', { precision: 14, scale: 4, mode: 'number' }),
  costBreakdown: jsonb('cost_breakdown').$type<Record<string, number>>(),
  hangupBy: text('hangup_by'),
  hangupReason: text('hangup_reason'),
  hangupProviderCode: integer('hangup_provider_code'),
  errorMessage: text('error_message'),
  startedAt: timestamp('started_at', { withTimezone: true }),
  endedAt: timestamp('ended_at', { withTimezone: true }),
  providerAgentId: text('provider_agent_id'),
  mergeState: jsonb('merge_state').$type<Record<string, unknown>>(),
  lastWebhookAt: timestamp('last_webhook_at', { withTimezone: true }),
  lastPolledAt: timestamp('last_polled_at', { withTimezone: true }),
  confirmedAt: timestamp('confirmed_at', { withTimezone: true }),
  metadata: jsonb('metadata').$type<Record<string, unknown>>().notNull().default({}),
  version: integer('version').notNull().default(1),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

export const webhookEvents = pgTable('webhook_events', {
  id: uuid('id')
    .primaryKey()
    .default(sql`gen_random_uuid()`),
  organizationId: uuid('organization_id')
    .notNull()
    .references(() => organizations.id, { onDelete: 'cascade' }),
  callId: uuid('call_id').references(() => calls.id, { onDelete: 'set null' }),
  provider: text('provider').notNull().default('bolna'),
  providerCallId: text('provider_call_id'),
  providerAgentId: text('provider_agent_id'),
  source: text('source').notNull(),
  verdict: text('verdict'),
  status: text('status'),
  payload: jsonb('payload').$type<Record<string, unknown>>(),
  rawBody: text('raw_body'),
  headers: jsonb('headers').$type<Record<string, string>>().notNull().default({}),
  sourceIp: text('source_ip'),
  payloadDigest: text('payload_digest'),
  changedFields: text('changed_fields')
    .array()
    .notNull()
    .default(sql`'{}'::text[]`),
  error: text('error'),
  attempts: integer('attempts').notNull().default(0),
  receivedAt: timestamp('received_at', { withTimezone: true }).notNull().defaultNow(),
  processedAt: timestamp('processed_at', { withTimezone: true }),
});

/**
 * Daily call counters per (organization, agent, UTC day of `created_at`, status), maintained by
 * triggers on `calls` (migrations/0004_call_stats.sql); read by organization metrics. The nil UUID
 * in `agentId` stands for calls without an agent. Never written by the application.
 */
export const callStatsDaily = pgTable(
  'call_stats_daily',
  {
    organizationId: uuid('organization_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'cascade' }),
    agentId: uuid('agent_id').notNull(),
    day: date('day', { mode: 'string' }).notNull(),
    status: text('status').notNull(),
    calls: bigint('calls', { mode: 'number' }).notNull().default(0),
    answered: bigint('answered', { mode: 'number' }).notNull().default(0),
    durationSum: numeric('duration_sum', { mode: 'number' }).notNull().default(0),
    costSum: numeric('cost_sum', { mode: 'number' }).notNull().default(0),
    /** The backend (process id) whose changes the row holds; 0 once folded (`call_stats_fold()`). */
    writer: integer('writer').notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.organizationId, t.day, t.agentId, t.status, t.writer] })],
);
