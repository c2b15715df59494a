/** Shapes of the operator endpoints the CLI uses (export, sync, diagnostics, verification helpers). */
import { z } from 'zod';
import { CallStatusSchema } from './calls.js';
import { IsoDate } from './common.js';

export const ExportQuery = z.object({
  format: z.enum(['csv', 'json']).default('csv'),
  from: IsoDate.optional(),
  to: IsoDate.optional(),
  status: z
    .string()
    .transform((v) =>
      v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    )
    .pipe(z.array(CallStatusSchema).min(1))
    .optional(),
});

export const ConfigureWebhooksBody = z
  .object({ baseUrl: z.url().optional().describe('Public base URL to use instead of PUBLIC_WEBHOOK_URL') })
  .nullish();
export const WebhookConfigureResult = z.object({
  data: z.array(
    z.object({
      agentId: z.uuid(),
      name: z.string(),
      providerAgentId: z.string().nullable(),
      before: z.string().nullable(),
      after: z.string().nullable(),
      changed: z.boolean(),
      error: z.string().nullable(),
    }),
  ),
});

export const AgentSyncResult = z.object({
  data: z.array(
    z.object({
      agentId: z.uuid(),
      name: z.string(),
      syncStatus: z.string(),
      syncError: z.string().nullable(),
    }),
  ),
});

export const CallsSyncBody = z.object({ since: IsoDate.optional() }).nullish();
export const CallsSyncResult = z.object({
  agents: z.number().int(),
  created: z.number().int(),
  updated: z.number().int(),
  unchanged: z.number().int(),
  failed: z.number().int(),
  errors: z.array(z.string()),
});

export const Diagnostics = z.object({
  bolna: z.object({
    reachable: z.boolean(),
    demo: z.boolean(),
    baseUrl: z.string(),
    error: z.string().nullable(),
  }),
  webhookBaseUrl: z.string(),
  expectedWebhookUrl: z.string(),
  agents: z.array(
    z.object({
      agentId: z.uuid(),
      name: z.string(),
      providerAgentId: z.string().nullable(),
      expectedWebhookUrl: z.string(),
      bolnaWebhookUrl: z.string().nullable(),
      ok: z.boolean(),
      error: z.string().nullable(),
    }),
  ),
  stuckCalls: z.object({
    olderThanMinutes: z.number(),
    byStatus: z.record(z.string(), z.number().int()),
    total: z.number().int(),
  }),
});

export const PingResult = z.object({ nonce: z.string(), sentAt: IsoDate });

export const ReapStaleBody = z
  .object({
    olderThanMinutes: z
      .number()
      .positive()
      .max(60 * 24 * 30)
      .optional(),
    dryRun: z.boolean().optional(),
  })
  .nullish();
export const ReapStaleResult = z.object({
  checked: z.number().int(),
  resolved: z.number().int(),
  failed: z.number().int(),
  deferred: z.number().int(),
  calls: z.array(
    z.object({
      id: z.uuid(),
      organizationId: z.uuid(),
      before: z.string(),
      after: z.string(),
      note: z.string(),
    }),
  ),
});

export const AdminOrgList = z.object({
  data: z.array(z.object({ id: z.uuid(), name: z.string(), createdAt: IsoDate })),
});
export const EventParams = z.object({ orgId: z.uuid(), eventId: z.uuid() });
