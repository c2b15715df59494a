import { describe, expect, it } from 'vitest';
import { roleAtLeast } from './roles.js';

describe('roleAtLeast', () => {
  it('orders viewer < member < admin < owner', () => {
    expect(roleAtLeast('owner', 'admin')).toBe(true);
    expect(roleAtLeast('admin', 'admin')).toBe(true);
    expect(roleAtLeast('member', 'admin')).toBe(false);
    expect(roleAtLeast('viewer', 'member')).toBe(false);
    expect(roleAtLeast('member', 'viewer')).toBe(true);
  });
});
