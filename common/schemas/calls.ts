/** Request and response shapes of calls. */
import { z } from 'zod';
import { PhoneNumber } from './agents.js';
import { IsoDate } from './common.js';
import { CALL_STATUSES } from '../call-status.js';

export const CallStatusSchema = z.enum(CALL_STATUSES);

export const Call = z
  .object({
    id: z.uuid(),
    organizationId: z.uuid(),
    agentId: z.uuid().nullable(),
    provider: z.literal('bolna'),
    providerCallId: z.string().nullable(),
    direction: z.enum(['outbound', 'inbound']),
    status: CallStatusSchema,
    toNumber: z.string().nullable(),
    fromNumber: z.string().nullable(),
    duration: z.number().nullable().describe('Seconds of conversation; null while unknown'),
    transcription: z.string().nullable(),
    recordingUrl: z.string().nullable(),
    summary: z.string().nullable(),
    extractedData: z.record(z.string(), z.unknown()).nullable(),
    totalCostCents: z
      .number()
      .nullable()
      .describe('Cents as Bolna reports them (fractions kept); null while unknown'),
    costBreakdown: z.record(z.string(), z.number()).nullable(),
    hangupBy: z.string().nullable(),
    hangupReason: z.string().nullable(),
    errorMessage: z.string().nullable(),
    startedAt: IsoDate.nullable(),
    endedAt: IsoDate.nullable(),
    createdAt: IsoDate,
    updatedAt: IsoDate,
    version: z.number().int(),
    metadata: z.record(z.string(), z.unknown()),
  })
  .meta({ id: 'Call' });
export type Call = z.infer<typeof Call>;

const Variables = z
  .record(z.string().min(1).max(64), z.union([z.string().max(2000), z.number(), z.boolean(), z.null()]))
  .refine((v) => Object.keys(v).length <= 50, 'must have at most 50 variables');

export const StartCallBody = z.object({
  agentId: z.uuid(),
  toNumber: PhoneNumber,
  fromNumber: PhoneNumber.optional(),
  userData: Variables.optional(),
});

export const CallParams = z.object({ orgId: z.uuid(), callId: z.uuid() });

const StatusList = z
  .string()
  .transform((v) =>
    v
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  )
  .pipe(z.array(CallStatusSchema).min(1));

export const ListCallsQuery = z.object({
  status: StatusList.optional().describe('One status, or several separated by commas'),
  agentId: z.uuid().optional(),
  from: IsoDate.optional().describe('Calls created at or after'),
  to: IsoDate.optional().describe('Calls created before'),
  providerCallId: z.string().min(1).max(200).optional(),
  number: z
    .string()
    .regex(/^\+?\d{3,15}$/, 'must be 3 to 15 digits of a phone number')
    .optional()
    .describe('Calls whose to- or from-number contains these digits'),
  cursor: z.string().max(500).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
export const CallList = z.object({ data: z.array(Call), nextCursor: z.string().nullable() });
