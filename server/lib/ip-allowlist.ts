/** Source-IP allow-lists of addresses and CIDR ranges, IPv4 and IPv6 (IPv4-mapped IPv6 included). */
import { BlockList, isIP } from 'node:net';

export interface IpAllowlist {
  /** True when the list is empty (everyone allowed) or contains `ip`. */
  allows(ip: string): boolean;
}

export function createIpAllowlist(entries: readonly string[]): IpAllowlist {
  if (entries.length === 0) return { allows: () => true };
  const list = new BlockList();
  for (const entry of entries) {
    const [address, bits] = entry.split('/');
    const type = isIP(address!) === 6 ? 'ipv6' : 'ipv4';
    if (bits === undefined) list.addAddress(address!, type);
    else list.addSubnet(address!, Number(bits), type);
  }
  return {
    allows(ip) {
      const plain = ip.startsWith('::ffff:') && isIP(ip.slice(7)) === 4 ? ip.slice(7) : ip;
      const family = isIP(plain);
      if (family === 0) return false;
      return list.check(plain, family === 6 ? 'ipv6' : 'ipv4');
    },
  };
}
