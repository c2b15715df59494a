import { describe, expect, it } from 'vitest';
import { constantTimeEqual, createSecretBox, randomToken, sha256Hex } from './crypto.js';

describe('crypto helpers', () => {
  it('makes 256-bit URL-safe tokens that differ every time', () => {
    const a = randomToken();
    const b = randomToken();
    expect(a).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(a).not.toBe(b);
  });

  it('hashes deterministically', () => {
    expect(sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it('compares strings of equal and unequal length', () => {
    expect(constantTimeEqual('secret', 'secret')).toBe(true);
    expect(constantTimeEqual('secret', 'secreT')).toBe(false);
    expect(constantTimeEqual('secret', 'secret-longer')).toBe(false);
  });

  it('seals and opens secrets, and rejects tampering or another key', () => {
    const box = createSecretBox('x'.repeat(32));
    const sealed = box.seal('webhook-token');
    expect(sealed).not.toContain('webhook-token');
    expect(box.open(sealed)).toBe('webhook-token');
    const tampered = sealed.slice(0, -2) + (sealed.endsWith('A') ? 'BB' : 'AA');
    expect(() => box.open(tampered)).toThrow();
    expect(() => createSecretBox('y'.repeat(32)).open(sealed)).toThrow();
  });
});
