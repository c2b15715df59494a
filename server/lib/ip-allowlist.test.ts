import { describe, expect, it } from 'vitest';
import { createIpAllowlist } from './ip-allowlist.js';

describe('createIpAllowlist', () => {
  it('allows everyone when empty', () => {
    expect(createIpAllowlist([]).allows('203.0.113.9')).toBe(true);
  });

  it("matches Bolna's addresses, CIDR ranges and IPv4-mapped IPv6", () => {
    const list = createIpAllowlist([
      '13.203.39.153',
      '13.126.9.249',
      '13.202.133.53',
      '10.1.0.0/16',
      '2001:db8::/32',
    ]);
    expect(list.allows('13.203.39.153')).toBe(true);
    expect(list.allows('::ffff:13.126.9.249')).toBe(true);
    expect(list.allows('10.1.200.3')).toBe(true);
    expect(list.allows('2001:db8::1')).toBe(true);
    expect(list.allows('13.203.39.154')).toBe(false);
    expect(list.allows('10.2.0.1')).toBe(false);
    expect(list.allows('not-an-ip')).toBe(false);
  });
});
