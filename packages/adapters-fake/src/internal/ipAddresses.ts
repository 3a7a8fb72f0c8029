import { formatIpv6 as formatIpv6Groups } from '@podsg/cni';
/** An IPv4 CIDR as numbers: first address and size. */
export interface Ipv4Block {
  base: number;
  prefix: number;
  size: number;
}

const IPV4_CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;

/** Parses `a.b.c.d/n`; null when malformed or when host bits are set. */
export function parseIpv4Cidr(cidr: string): Ipv4Block | null {
  const match = IPV4_CIDR.exec(cidr);
  if (match === null) return null;
  const octets = match.slice(1, 5).map(Number);
  const prefix = Number(match[5]);
  if (octets.some((o) => o > 255) || prefix > 32) return null;
  const base = octets.reduce((acc, o) => acc * 256 + o, 0);
  const size = 2 ** (32 - prefix);
  if (base % size !== 0) return null;
  return { base, prefix, size };
}

/** Dotted-quad form of a 32-bit address. */
export function formatIpv4(address: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(address / 2 ** shift) % 256).join('.');
}

/** Whether `inner` lies entirely inside `outer`. */
export function ipv4BlockContains(outer: Ipv4Block, inner: Ipv4Block): boolean {
  return inner.base >= outer.base && inner.base + inner.size <= outer.base + outer.size;
}

/** Whether two blocks share any address. */
export function ipv4BlocksOverlap(a: Ipv4Block, b: Ipv4Block): boolean {
  return a.base < b.base + b.size && b.base < a.base + a.size;
}

/** An IPv6 CIDR: first address as a bigint and prefix length. */
export interface Ipv6Block {
  base: bigint;
  prefix: number;
}

/** Parses an IPv6 CIDR (`2600:1f14::/64`); null when malformed. */
export function parseIpv6Cidr(cidr: string): Ipv6Block | null {
  const slash = cidr.indexOf('/');
  if (slash < 0) return null;
  const prefix = Number(cidr.slice(slash + 1));
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > 128) return null;
  const base = parseIpv6(cidr.slice(0, slash));
  if (base === null) return null;
  const hostBits = BigInt(128 - prefix);
  if (hostBits > 0n && base % (1n << hostBits) !== 0n) return null;
  return { base, prefix };
}

function parseIpv6(text: string): bigint | null {
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const head = halves[0] === '' ? [] : (halves[0] ?? '').split(':');
  const tail = halves.length === 2 && halves[1] !== '' ? (halves[1] ?? '').split(':') : [];
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return null;
  const groups = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...tail];
  let value = 0n;
  for (const group of groups) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(group)) return null;
    value = (value << 16n) | BigInt(parseInt(group, 16));
  }
  return value;
}

/** RFC 5952 text of a 128-bit address (lowercase, longest zero run compressed). */
export function formatIpv6(address: bigint): string {
  const groups: number[] = [];
  for (let i = 7; i >= 0; i--) groups.push(Number((address >> BigInt(i * 16)) & 0xffffn));
  return formatIpv6Groups(groups);
}

/** An address as family and 32- or 128-bit value; null when malformed. */
export function ipValue(text: string): { family: 4 | 6; value: bigint } | null {
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (v4 !== null) {
    const octets = v4.slice(1, 5).map(Number);
    if (octets.some((o) => o > 255)) return null;
    return { family: 4, value: BigInt(octets.reduce((acc, o) => acc * 256 + o, 0)) };
  }
  const v6 = parseIpv6(text);
  return v6 === null ? null : { family: 6, value: v6 };
}

/** Whether `cidr` (`a/n`; host bits allowed) contains `address` of the same family. */
export function cidrContainsAddress(cidr: string, address: string): boolean {
  const slash = cidr.indexOf('/');
  const network = ipValue(slash < 0 ? cidr : cidr.slice(0, slash));
  const ip = ipValue(address);
  if (network === null || ip === null || network.family !== ip.family) return false;
  const bits = network.family === 4 ? 32 : 128;
  const prefix = slash < 0 ? bits : Number(cidr.slice(slash + 1));
  const shift = BigInt(bits - prefix);
  return network.value >> shift === ip.value >> shift;
}
