/**
 * API keys look like `amk_<12 hex>_<43 base64url>`: the first part is the visible prefix used to
 * find the key; only the SHA-256 of the whole key is stored.
 */
import { randomBytes } from 'node:crypto';
import { randomToken } from '../../lib/crypto.js';

const KEY_PATTERN = /^(amk_[0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;

export function generateApiKey(): { key: string; prefix: string } {
  const prefix = `amk_${randomBytes(6).toString('hex')}`;
  return { key: `${prefix}_${randomToken(32)}`, prefix };
}

/** The visible prefix of a well-formed key, or undefined for anything else. */
export function apiKeyPrefix(key: string): string | undefined {
  return KEY_PATTERN.exec(key)?.[1];
}
