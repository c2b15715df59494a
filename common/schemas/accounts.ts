/** Request and response shapes of accounts, organizations, members, invitations, keys and webhooks. */
import { z } from 'zod';
import { API_KEY_ROLES, ROLES } from '../roles.js';
import { Email, IsoDate } from './common.js';

export const RoleSchema = z.enum(ROLES);
export const ApiKeyRoleSchema = z.enum(API_KEY_ROLES);

const Password = z
  .string()
  .min(10, 'must be at least 10 characters')
  .max(256, 'must be at most 256 characters');
const Name = z.string().trim().min(1, 'must not be empty').max(120, 'must be at most 120 characters');

export const User = z
  .object({ id: z.uuid(), email: z.string(), name: z.string(), createdAt: IsoDate })
  .meta({ id: 'User' });
export type User = z.infer<typeof User>;

export const Organization = z
  .object({ id: z.uuid(), name: z.string(), role: RoleSchema, createdAt: IsoDate })
  .meta({ id: 'Organization' });
export type Organization = z.infer<typeof Organization>;

export const SignupBody = z.object({ email: Email, password: Password, name: Name, organizationName: Name });
export const LoginBody = z.object({ email: Email, password: z.string().min(1).max(256) });
export const SignupResponse = z.object({ user: User, organization: Organization });
export const LoginResponse = z.object({ user: User });
export const MeResponse = z.object({
  user: User,
  organizations: z.array(z.object({ id: z.uuid(), name: z.string(), role: RoleSchema })),
});

export const CreateOrgBody = z.object({ name: Name });
export const UpdateOrgBody = z.object({ name: Name });
export const OrgList = z.object({ data: z.array(Organization) });

export const Member = z
  .object({ userId: z.uuid(), email: z.string(), name: z.string(), role: RoleSchema, joinedAt: IsoDate })
  .meta({ id: 'Member' });
export type Member = z.infer<typeof Member>;
export const MemberParams = z.object({ orgId: z.uuid(), userId: z.uuid() });
export const UpdateMemberBody = z.object({ role: RoleSchema });
export const MemberList = z.object({ data: z.array(Member) });

export const CreateInvitationBody = z.object({ email: Email, role: RoleSchema });
export const Invitation = z
  .object({
    id: z.uuid(),
    email: z.string(),
    role: RoleSchema,
    createdAt: IsoDate,
    expiresAt: IsoDate,
    acceptedAt: IsoDate.nullable(),
  })
  .meta({ id: 'Invitation' });
export const CreatedInvitation = z.object({ id: z.uuid(), url: z.string(), expiresAt: IsoDate });
export const InvitationList = z.object({ data: z.array(Invitation) });
export const InvitationParams = z.object({ orgId: z.uuid(), invitationId: z.uuid() });
export const InvitationTokenParams = z.object({ token: z.string().min(16).max(128) });
export const InvitationPreview = z.object({
  organizationName: z.string(),
  email: z.string(),
  role: RoleSchema,
  expiresAt: IsoDate,
});
/** Accepting while signed out creates the account for the invited email. */
export const AcceptInvitationBody = z
  .object({ name: Name.optional(), password: Password.optional() })
  .nullish();
export const AcceptInvitationResponse = z.object({ user: User, organization: Organization });

export const CreateApiKeyBody = z.object({ name: Name, role: ApiKeyRoleSchema.default('admin') });
export const ApiKey = z
  .object({
    id: z.uuid(),
    name: z.string(),
    prefix: z.string(),
    role: ApiKeyRoleSchema,
    createdAt: IsoDate,
    lastUsedAt: IsoDate.nullable(),
  })
  .meta({ id: 'ApiKey' });
export const CreatedApiKey = z.object({
  id: z.uuid(),
  name: z.string(),
  prefix: z.string(),
  role: ApiKeyRoleSchema,
  key: z.string().describe('The secret key; shown once, never again'),
  createdAt: IsoDate,
});
export const ApiKeyList = z.object({ data: z.array(ApiKey) });
export const ApiKeyParams = z.object({ orgId: z.uuid(), keyId: z.uuid() });

export const WebhookSettings = z.object({
  url: z.string().describe('The URL to configure as the webhook of Bolna agents'),
  token: z.string(),
  rotatedAt: IsoDate,
});
