/** Request and response shapes of voice agents. */
import { z } from 'zod';
import { E164_MESSAGE, E164_PATTERN } from '../phone.js';
import { IsoDate } from './common.js';

export const AGENT_SYNC_STATUSES = ['synced', 'pending', 'failed'] as const;
export const AgentSyncStatus = z.enum(AGENT_SYNC_STATUSES);

const Text = (max: number) => z.string().trim().max(max, `must be at most ${max} characters`);
export const PhoneNumber = z.string().trim().regex(E164_PATTERN, E164_MESSAGE);

export const Agent = z
  .object({
    id: z.uuid(),
    organizationId: z.uuid(),
    name: z.string(),
    welcomeMessage: z.string(),
    systemPrompt: z.string(),
    language: z.string(),
    voice: z.string().nullable(),
    llmModel: z.string().nullable(),
    fromNumber: z.string().nullable(),
    provider: z.literal('bolna'),
    providerAgentId: z.string().nullable(),
    syncStatus: AgentSyncStatus,
    syncError: z.string().nullable(),
    lastSyncedAt: IsoDate.nullable(),
    webhookUrl: z.string().nullable().describe('The webhook URL as Bolna last reported it'),
    webhookOk: z.boolean().describe("True when Bolna's webhook URL for this agent is this organization's"),
    createdAt: IsoDate,
    updatedAt: IsoDate,
  })
  .meta({ id: 'Agent' });
export type Agent = z.infer<typeof Agent>;

export const CreateAgentBody = z.object({
  name: Text(120).min(1, 'must not be empty'),
  welcomeMessage: Text(2000).default(''),
  systemPrompt: Text(20000).default(''),
  language: z
    .string()
    .trim()
    .regex(/^[a-z]{2}(-[A-Z]{2})?$/, 'must be a language code such as en or en-IN')
    .default('en'),
  voice: Text(80).min(1).nullish(),
  llmModel: Text(80).min(1).nullish(),
  fromNumber: PhoneNumber.nullish(),
});
export const UpdateAgentBody = z
  .object({
    name: Text(120).min(1, 'must not be empty'),
    welcomeMessage: Text(2000),
    systemPrompt: Text(20000),
    language: z
      .string()
      .trim()
      .regex(/^[a-z]{2}(-[A-Z]{2})?$/, 'must be a language code such as en or en-IN'),
    voice: Text(80).min(1).nullable(),
    llmModel: Text(80).min(1).nullable(),
    fromNumber: PhoneNumber.nullable(),
  })
  .partial();
export const AgentParams = z.object({ orgId: z.uuid(), agentId: z.uuid() });
export const AgentList = z.object({ data: z.array(Agent) });
