/**
 * IP address and CIDR parsing for plan inputs. Addresses are returned in canonical text form
 * (IPv4 dotted quad, IPv6 per RFC 5952) so plans, results and snapshots compare as strings.
 */

/** The 32-bit value of a dotted-quad IPv4 address, or null when `text` is not one. */
export function parseIpv4(text: string): number | null {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  let value = 0;
  for (const part of parts) {
    // No leading zeros: `010` is octal to some parsers and decimal to others.
    if (!/^(0|[1-9][0-9]{0,2})$/.test(part)) return null;
    const octet = Number(part);
    if (octet > 255) return null;
    value = value * 256 + octet;
  }
  return value;
}

/** Dotted-quad text of a 32-bit value. */
export function formatIpv4(value: number): string {
  return [value >>> 24, (value >>> 16) & 255, (value >>> 8) & 255, value & 255].join('.');
}

/** The eight 16-bit groups of an IPv6 address, or null when `text` is not one. */
export function parseIpv6(text: string): number[] | null {
  if (!/^[0-9a-fA-F:.]+$/.test(text) || text.length > 45) return null;
  let head = text;
  // An embedded IPv4 tail (`::ffff:10.0.0.1`) stands for the last two groups.
  if (text.includes('.')) {
    const lastColon = text.lastIndexOf(':');
    const v4 = parseIpv4(text.slice(lastColon + 1));
    if (v4 === null) return null;
    head = `${text.slice(0, lastColon + 1)}${(v4 >>> 16).toString(16)}:${(v4 & 0xffff).toString(16)}`;
  }
  const halves = head.split('::');
  if (halves.length > 2) return null;
  const parseHalf = (half: string): number[] | null => {
    if (half === '') return [];
    const groups: number[] = [];
    for (const group of half.split(':')) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(group)) return null;
      groups.push(parseInt(group, 16));
    }
    return groups;
  };
  const left = parseHalf(halves[0] ?? '');
  const right = halves.length === 2 ? parseHalf(halves[1] ?? '') : [];
  if (left === null || right === null) return null;
  const given = left.length + right.length;
  if (halves.length === 2) {
    if (given > 7) return null;
    return [...left, ...new Array<number>(8 - given).fill(0), ...right];
  }
  return given === 8 ? left : null;
}

/** RFC 5952 text of eight 16-bit groups: lowercase, longest run of two or more zero groups as `::`. */
export function formatIpv6(groups: readonly number[]): string {
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = groups.map((group) => group.toString(16));
  if (bestStart < 0) return hex.join(':');
  const left = hex.slice(0, bestStart).join(':');
  const right = hex.slice(bestStart + bestLength).join(':');
  return `${left}::${right}`;
}

/** An IP address with its family, in canonical text. */
export interface IpAddress {
  family: 4 | 6;
  address: string;
}

/** Parses an IPv4 or IPv6 address into canonical text, or null. */
export function parseIpAddress(text: string): IpAddress | null {
  const v4 = parseIpv4(text);
  if (v4 !== null) return { family: 4, address: formatIpv4(v4) };
  const v6 = parseIpv6(text);
  if (v6 !== null) return { family: 6, address: formatIpv6(v6) };
  return null;
}

/** A CIDR: an address, its family and prefix length. */
export interface Cidr extends IpAddress {
  prefixLength: number;
}

/** Parses `address/prefix` (IPv4 or IPv6), or null. */
export function parseCidr(text: string): Cidr | null {
  const slash = text.indexOf('/');
  if (slash < 0) return null;
  const ip = parseIpAddress(text.slice(0, slash));
  const prefixText = text.slice(slash + 1);
  if (ip === null || !/^(0|[1-9][0-9]{0,2})$/.test(prefixText)) return null;
  const prefixLength = Number(prefixText);
  if (prefixLength > (ip.family === 4 ? 32 : 128)) return null;
  return { ...ip, prefixLength };
}

/**
 * The first address of an IPv4 subnet (network address + 1), which EC2 reserves for the VPC
 * router: the branch's gateway. Throws nothing; `cidr` must be a parsed IPv4 CIDR.
 */
export function firstAddressOfIpv4Subnet(cidr: Cidr): string {
  const value = parseIpv4(cidr.address) ?? 0;
  const hostBits = 32 - cidr.prefixLength;
  const network = hostBits === 32 ? 0 : Math.floor(value / 2 ** hostBits) * 2 ** hostBits;
  return formatIpv4((network + 1) % 2 ** 32);
}

/** Whether an IPv4 address lies inside an IPv4 subnet. */
export function ipv4SubnetContains(cidr: Cidr, address: string): boolean {
  const network = parseIpv4(cidr.address);
  const value = parseIpv4(address);
  if (network === null || value === null) return false;
  const size = 2 ** (32 - cidr.prefixLength);
  return Math.floor(network / size) === Math.floor(value / size);
}

/** A MAC address in lowercase colon form, or null when `text` is not a 48-bit MAC. */
export function parseMac(text: string): string | null {
  return /^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$/.test(text) ? text.toLowerCase() : null;
}

/** The 128-bit value of eight 16-bit groups. */
function ipv6Value(groups: readonly number[]): bigint {
  return groups.reduce((value, group) => (value << 16n) | BigInt(group), 0n);
}

/** RFC 5952 text of a 128-bit IPv6 value. */
export function formatIpv6Value(value: bigint): string {
  const groups: number[] = [];
  for (let i = 7; i >= 0; i--) groups.push(Number((value >> BigInt(i * 16)) & 0xffffn));
  return formatIpv6(groups);
}

/** An IPv4 subnet as numbers: its first address, prefix length and size. */
export interface Ipv4Block {
  base: number;
  prefix: number;
  size: number;
}

/** Parses an IPv4 subnet `a.b.c.d/n`; null when malformed or when host bits are set. */
export function parseIpv4Cidr(text: string): Ipv4Block | null {
  const cidr = parseCidr(text);
  const base = cidr?.family === 4 ? parseIpv4(cidr.address) : null;
  if (cidr === null || base === null) return null;
  const size = 2 ** (32 - cidr.prefixLength);
  if (base % size !== 0) return null;
  return { base, prefix: cidr.prefixLength, size };
}

/** Whether the IPv4 block `inner` lies entirely inside `outer`. */
export function ipv4BlockContains(outer: Ipv4Block, inner: Ipv4Block): boolean {
  return inner.base >= outer.base && inner.base + inner.size <= outer.base + outer.size;
}

/** Whether two IPv4 blocks share any address. */
export function ipv4BlocksOverlap(a: Ipv4Block, b: Ipv4Block): boolean {
  return a.base < b.base + b.size && b.base < a.base + a.size;
}

/** An IPv6 subnet: its first address as a 128-bit value and its prefix length. */
export interface Ipv6Block {
  base: bigint;
  prefix: number;
}

/** Parses an IPv6 subnet (`2600:1f14::/64`); null when malformed or when host bits are set. */
export function parseIpv6Cidr(text: string): Ipv6Block | null {
  const cidr = parseCidr(text);
  const groups = cidr?.family === 6 ? parseIpv6(cidr.address) : null;
  if (cidr === null || groups === null) return null;
  const base = ipv6Value(groups);
  const hostBits = BigInt(128 - cidr.prefixLength);
  if (hostBits > 0n && base % (1n << hostBits) !== 0n) return null;
  return { base, prefix: cidr.prefixLength };
}

/** Whether `cidr` (`address/prefix`, host bits allowed; a bare address is a host) contains `address`. */
export function cidrContainsAddress(cidr: string, address: string): boolean {
  const host = cidr.includes('/') ? null : parseIpAddress(cidr);
  const network: Cidr | null =
    host === null ? parseCidr(cidr) : { ...host, prefixLength: host.family === 4 ? 32 : 128 };
  const ip = parseIpAddress(address);
  if (network === null || ip === null || network.family !== ip.family) return false;
  const value = (text: string): bigint =>
    ip.family === 4 ? BigInt(parseIpv4(text) ?? 0) : ipv6Value(parseIpv6(text) ?? []);
  const shift = BigInt((ip.family === 4 ? 32 : 128) - network.prefixLength);
  return value(network.address) >> shift === value(ip.address) >> shift;
}
