import { BlockList, isIP } from 'node:net';

/** Where outbound requests to caller-chosen URLs may go. Public addresses always; the rest on opt-in. */
export interface AddressPolicy {
  /** 127.0.0.0/8 and ::1 (tests and local receivers). */
  allowLoopback: boolean;
  /** RFC 1918, carrier-grade NAT and IPv6 unique-local ranges (receivers inside a private network). */
  allowPrivate: boolean;
}

export type AddressClass = 'public' | 'loopback' | 'private' | 'forbidden';

const loopback = new BlockList();
loopback.addSubnet('127.0.0.0', 8, 'ipv4');
loopback.addAddress('::1', 'ipv6');

const privateRanges = new BlockList();
for (const [net, bits] of [
  ['10.0.0.0', 8],
  ['172.16.0.0', 12],
  ['192.168.0.0', 16],
  ['100.64.0.0', 10],
] as const) {
  privateRanges.addSubnet(net, bits, 'ipv4');
}
privateRanges.addSubnet('fc00::', 7, 'ipv6');

// Never reachable through configuration: link-local (cloud metadata lives at 169.254.169.254 and
// fd00:ec2::254 is inside fc00::/7 but is matched here first), unspecified, multicast, reserved,
// benchmarking and documentation ranges.
const forbidden = new BlockList();
for (const [net, bits] of [
  ['0.0.0.0', 8],
  ['169.254.0.0', 16],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  forbidden.addSubnet(net, bits, 'ipv4');
}
forbidden.addAddress('fd00:ec2::254', 'ipv6');
forbidden.addAddress('::', 'ipv6');
forbidden.addSubnet('fe80::', 10, 'ipv6');
forbidden.addSubnet('ff00::', 8, 'ipv6');
forbidden.addSubnet('2001:db8::', 32, 'ipv6');

/** The IPv4 address inside an IPv4-mapped (::ffff:a.b.c.d) or NAT64 (64:ff9b::a.b.c.d) IPv6 address. */
function embeddedIpv4(address: string): string | null {
  const lower = address.toLowerCase();
  const dotted = /^(?:::ffff:|64:ff9b::)(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
  if (dotted) return dotted[1]!;
  const hex = /^(?:::ffff:|64:ff9b::)([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(lower);
  if (!hex) return null;
  const high = parseInt(hex[1]!, 16);
  const low = parseInt(hex[2]!, 16);
  return `${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`;
}

export function classifyAddress(address: string): AddressClass {
  const family = isIP(address);
  if (family === 0) return 'forbidden';
  if (family === 6) {
    const v4 = embeddedIpv4(address);
    if (v4) return classifyAddress(v4);
  }
  const type = family === 4 ? 'ipv4' : 'ipv6';
  if (forbidden.check(address, type)) return 'forbidden';
  if (loopback.check(address, type)) return 'loopback';
  if (privateRanges.check(address, type)) return 'private';
  return 'public';
}

/** Why `address` may not be contacted under `policy`, or null when it may. */
export function refusal(address: string, policy: AddressPolicy): string | null {
  switch (classifyAddress(address)) {
    case 'public':
      return null;
    case 'loopback':
      return policy.allowLoopback ? null : `loopback address ${address} is not allowed`;
    case 'private':
      return policy.allowPrivate ? null : `private address ${address} is not allowed`;
    case 'forbidden':
      return `address ${address} is never allowed (link-local, metadata, multicast or reserved)`;
  }
}
