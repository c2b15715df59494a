import { describe, expect, it } from 'vitest';
import { apiKeyPrefix, generateApiKey } from './api-key-format.js';

describe('API key format', () => {
  it('generates keys whose prefix can be read back', () => {
    const { key, prefix } = generateApiKey();
    expect(key.startsWith(prefix + '_')).toBe(true);
    expect(apiKeyPrefix(key)).toBe(prefix);
    expect(key.length).toBeGreaterThan(50);
  });

  it('rejects anything that is not a key', () => {
    expect(apiKeyPrefix('')).toBeUndefined();
    expect(apiKeyPrefix('amk_123_abc')).toBeUndefined();
    expect(apiKeyPrefix('Bearer amk_0123456789ab_' + 'a'.repeat(43))).toBeUndefined();
  });
});
