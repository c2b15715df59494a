/** A provider delivery as the call timeline shows it. */
import { z } from 'zod';
import { IsoDate } from './common.js';

export const EVENT_SOURCES = ['webhook', 'poll', 'sync', 'replay'] as const;
export const EVENT_VERDICTS = [
  'pending',
  'applied',
  'duplicate',
  'stale',
  'orphan',
  'rejected',
  'failed',
] as const;

export const WebhookEvent = z
  .object({
    id: z.uuid(),
    callId: z.uuid().nullable(),
    source: z.enum(EVENT_SOURCES),
    verdict: z.enum(EVENT_VERDICTS).describe('What the merge made of it; `pending` until merged'),
    status: z.string().nullable().describe('The call status this delivery reported'),
    providerCallId: z.string().nullable(),
    changedFields: z.array(z.string()),
    error: z.string().nullable(),
    receivedAt: IsoDate,
    processedAt: IsoDate.nullable(),
    sourceIp: z.string().nullable(),
    headers: z.record(z.string(), z.string()),
    payloadDigest: z.string().nullable(),
    payload: z.record(z.string(), z.unknown()).nullable(),
    rawBody: z.string().nullable().describe('The body as received when it was not a JSON object'),
  })
  .meta({ id: 'WebhookEvent' });
export type WebhookEvent = z.infer<typeof WebhookEvent>;
export const WebhookEventList = z.object({ data: z.array(WebhookEvent) });
export const ReplayResult = z.object({
  replayed: z.number().int(),
  changed: z.array(z.string()).describe('Fields the replay changed: empty when the stored call was right'),
  call: z.record(z.string(), z.unknown()),
});
export const WebhookAccepted = z.object({ received: z.literal(true), eventId: z.uuid() });
