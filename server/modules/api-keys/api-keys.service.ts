/** Organization API keys: shown once at creation, stored as a SHA-256 digest, revocable. */
import type { ApiKeyRole } from '../../../common/roles.js';
import type { AppContext } from '../../context.js';
import { NotFound } from '../../errors.js';
import { sha256Hex } from '../../lib/crypto.js';
import type { OrgAccess } from '../auth/principal.js';
import { generateApiKey } from './api-key-format.js';
import { insertApiKey, listApiKeys, revokeApiKey, toApiKey } from './api-keys.repository.js';

export async function createApiKey(ctx: AppContext, access: OrgAccess, name: string, role: ApiKeyRole) {
  const { key, prefix } = generateApiKey();
  const row = await insertApiKey(ctx.db, {
    organizationId: access.organizationId,
    name,
    prefix,
    keyHash: sha256Hex(key),
    role,
    createdBy: access.userId,
  });
  const { id, createdAt } = toApiKey(row);
  return { id, name, prefix, role, key, createdAt };
}

export async function getApiKeys(ctx: AppContext, organizationId: string) {
  return (await listApiKeys(ctx.db, organizationId)).map(toApiKey);
}

/** Revokes a key; requests with it are refused from the next one on. */
export async function deleteApiKey(ctx: AppContext, organizationId: string, keyId: string): Promise<void> {
  if (!(await revokeApiKey(ctx.db, organizationId, keyId, ctx.now()))) throw new NotFound('API key');
  ctx.realtime.apiKeyRevoked(keyId);
}
