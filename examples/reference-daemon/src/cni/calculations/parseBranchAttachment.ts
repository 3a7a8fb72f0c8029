import type { BranchAttachment } from '@podsg/cni';

/** The outcome of `parseBranchAttachment`: the branch, or the first field that is wrong and why. */
export type BranchAttachmentParse =
  { ok: true; branch: BranchAttachment } | { ok: false; field: string; problem: string };

const MAC = /^[0-9a-f]{2}(?::[0-9a-f]{2}){5}$/i;
const IPV4_OCTET = /^(?:0|[1-9]\d{0,2})$/;
const PREFIX = /^(?:0|[1-9]\d{0,2})$/;
const HEX_GROUP = /^[0-9a-f]{1,4}$/i;

/** Parses a strict dotted-quad IPv4 address (no leading zeros) to its 32-bit value, or null. */
export function ipv4ToNumber(text: string): number | null {
  const octets = text.split('.');
  if (octets.length !== 4) return null;
  let value = 0;
  for (const octet of octets) {
    if (!IPV4_OCTET.test(octet)) return null;
    const byte = Number(octet);
    if (byte > 255) return null;
    value = value * 256 + byte;
  }
  return value;
}

/** Parses an IPv6 address (RFC 4291 text form, no zone, no embedded IPv4) to a bigint, or null. */
export function ipv6ToBigInt(text: string): bigint | null {
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const groupsOf = (half: string | undefined): string[] | null => {
    if (half === undefined || half === '') return [];
    const groups = half.split(':');
    return groups.every((group) => HEX_GROUP.test(group)) ? groups : null;
  };
  const head = groupsOf(halves[0]);
  const tail = groupsOf(halves[1]);
  if (head === null || tail === null) return null;
  const compressed = halves.length === 2;
  const missing = 8 - head.length - tail.length;
  if (compressed ? missing < 1 : missing !== 0) return null;
  const groups = [...head, ...Array<string>(missing).fill('0'), ...tail];
  return groups.reduce((value, group) => (value << 16n) | BigInt(`0x${group}`), 0n);
}

function prefixLength(text: string | undefined, max: number): number | null {
  if (text === undefined || !PREFIX.test(text)) return null;
  const length = Number(text);
  return length <= max ? length : null;
}

/** Whether `text` is `a.b.c.d/len` with the host bits zero (a subnet as EC2 reports it). */
function isIpv4Subnet(text: string): boolean {
  const [address, length, ...rest] = text.split('/');
  const bits = prefixLength(length, 32);
  const value = address === undefined ? null : ipv4ToNumber(address);
  if (rest.length > 0 || bits === null || value === null) return false;
  return value % 2 ** (32 - bits) === 0;
}

/** Whether `text` is `ipv6/len` with the host bits zero. */
function isIpv6Subnet(text: string): boolean {
  const [address, length, ...rest] = text.split('/');
  const bits = prefixLength(length, 128);
  const value = address === undefined ? null : ipv6ToBigInt(address);
  if (rest.length > 0 || bits === null || value === null) return false;
  return value % (1n << BigInt(128 - bits)) === 0n;
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  const json = JSON.stringify(value);
  return json.length > 60 ? `${json.slice(0, 57)}...` : json;
}

/**
 * Validates one branch attachment (element 0 of the `vpc.amazonaws.com/pod-eni` annotation, or
 * the `branch` of a node agent answer). Keys are case-sensitive, as in EKS. MACs come back
 * lowercase; empty IPv6 fields count as absent; unknown keys are ignored so newer controllers
 * can add fields.
 *
 * @param value - the decoded JSON value
 * @param at - path of the value, prefixed to field names in problems (e.g. `branch`)
 */
export function parseBranchAttachment(value: unknown, at: string): BranchAttachmentParse {
  const fail = (key: string, problem: string): BranchAttachmentParse => ({
    ok: false,
    field: `${at}.${key}`,
    problem,
  });
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, field: at, problem: `must be an object, got ${describe(value)}` };
  }
  const record = value as Record<string, unknown>;
  const { vlanId, ifAddress, privateIp, subnetCidr, ipv6Addr, subnetV6Cidr } = record;

  if (typeof vlanId !== 'number' || !Number.isInteger(vlanId) || vlanId < 1 || vlanId > 4094) {
    return fail('vlanId', `must be an integer 1..4094, got ${describe(vlanId)}`);
  }
  if (typeof ifAddress !== 'string' || !MAC.test(ifAddress)) {
    return fail(
      'ifAddress',
      `must be a MAC address like 0a:1b:2c:3d:4e:5f, got ${describe(ifAddress)}`,
    );
  }
  if (typeof privateIp !== 'string' || ipv4ToNumber(privateIp) === null) {
    return fail('privateIp', `must be an IPv4 address, got ${describe(privateIp)}`);
  }
  if (typeof subnetCidr !== 'string' || !isIpv4Subnet(subnetCidr)) {
    return fail(
      'subnetCidr',
      `must be an IPv4 subnet like 10.0.0.0/20, got ${describe(subnetCidr)}`,
    );
  }
  const branch: BranchAttachment = {
    vlanId,
    ifAddress: ifAddress.toLowerCase(),
    privateIp,
    subnetCidr,
  };
  // EKS writes `""` for the IPv6 fields of an IPv4-only branch: that means absent.
  if (ipv6Addr !== undefined && ipv6Addr !== '') {
    if (typeof ipv6Addr !== 'string' || ipv6ToBigInt(ipv6Addr) === null) {
      return fail('ipv6Addr', `must be an IPv6 address, got ${describe(ipv6Addr)}`);
    }
    branch.ipv6Addr = ipv6Addr.toLowerCase();
  }
  if (subnetV6Cidr !== undefined && subnetV6Cidr !== '') {
    if (typeof subnetV6Cidr !== 'string' || !isIpv6Subnet(subnetV6Cidr)) {
      return fail(
        'subnetV6Cidr',
        `must be an IPv6 subnet like 2001:db8::/64, got ${describe(subnetV6Cidr)}`,
      );
    }
    branch.subnetV6Cidr = subnetV6Cidr.toLowerCase();
  }
  for (const key of ['eniId', 'associationID'] as const) {
    const informative = record[key];
    if (informative === undefined) continue;
    if (typeof informative !== 'string') {
      return fail(key, `must be a string, got ${describe(informative)}`);
    }
    branch[key] = informative;
  }
  return { ok: true, branch };
}
