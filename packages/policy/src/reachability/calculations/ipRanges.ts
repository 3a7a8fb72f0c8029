/**
 * IP addresses and CIDR ranges as numbers, for range membership. (`@podsg/policy` imports no
 * other podsg package, so it keeps this small module of its own.)
 */

/** An address: its family and its value (32 or 128 bits). */
export interface IpValue {
  readonly family: 4 | 6;
  readonly value: bigint;
}

/** A range: family, first address (host bits cleared) and prefix length. */
export interface IpRange {
  readonly family: 4 | 6;
  readonly network: bigint;
  readonly prefixLength: number;
}

const DECIMAL_OCTET = /^(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])$/;
const HEX_GROUP = /^[0-9a-fA-F]{1,4}$/;

/** Reads a dotted-quad IPv4 or a textual IPv6 address (with `::` and an IPv4 tail); null otherwise. */
export function parseIpValue(text: string): IpValue | null {
  if (!text.includes(':')) {
    const value = ipv4Value(text);
    return value === null ? null : { family: 4, value };
  }
  const value = ipv6Value(text);
  return value === null ? null : { family: 6, value };
}

/** Reads `address/prefix`; host bits may be set (EC2 prints ranges without them). Null otherwise. */
export function parseIpRange(text: string): IpRange | null {
  const [address, prefix, ...rest] = text.split('/');
  if (address === undefined || prefix === undefined || rest.length > 0) return null;
  const ip = parseIpValue(address);
  if (ip === null || !/^(0|[1-9][0-9]{0,2})$/.test(prefix)) return null;
  const prefixLength = Number(prefix);
  const bits = ip.family === 4 ? 32 : 128;
  if (prefixLength > bits) return null;
  const hostBits = BigInt(bits - prefixLength);
  return { family: ip.family, network: (ip.value >> hostBits) << hostBits, prefixLength };
}

/** Whether `address` lies in `range` (false across families). */
export function ipRangeContains(range: IpRange, address: IpValue): boolean {
  if (range.family !== address.family) return false;
  const hostBits = BigInt((range.family === 4 ? 32 : 128) - range.prefixLength);
  return address.value >> hostBits === range.network >> hostBits;
}

function ipv4Value(text: string): bigint | null {
  const octets = text.split('.');
  if (octets.length !== 4 || !octets.every((octet) => DECIMAL_OCTET.test(octet))) return null;
  return octets.reduce((value, octet) => (value << 8n) | BigInt(octet), 0n);
}

function ipv6Value(text: string): bigint | null {
  // An IPv4 tail (`::ffff:10.0.0.1`) stands for the last two groups.
  const lastColon = text.lastIndexOf(':');
  const v4 = text.includes('.') ? ipv4Value(text.slice(lastColon + 1)) : 0n;
  if (v4 === null) return null;
  const groups = text.includes('.')
    ? `${text.slice(0, lastColon + 1)}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`
    : text;
  const halves = groups.split('::');
  if (halves.length > 2) return null;
  const read = (half: string | undefined): bigint[] | null => {
    if (half === undefined || half === '') return [];
    const parts = half.split(':');
    return parts.every((part) => HEX_GROUP.test(part))
      ? parts.map((part) => BigInt(parseInt(part, 16)))
      : null;
  };
  const head = read(halves[0]);
  const rest = halves.length === 2 ? read(halves[1]) : [];
  if (head === null || rest === null) return null;
  const zeros = 8 - head.length - rest.length;
  if (halves.length === 2 ? zeros < 1 : zeros !== 0) return null;
  const all = [...head, ...Array<bigint>(halves.length === 2 ? zeros : 0).fill(0n), ...rest];
  return all.reduce((value, group) => (value << 16n) | group, 0n);
}
