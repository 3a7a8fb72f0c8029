import { AllocatorError } from '../errors/AllocatorError.js';
import type {
  PodEniAttachment,
  PodEniBranch,
  PodEniBranchParse,
} from '../models/PodEniAttachment.js';

// The one codec of the `vpc.amazonaws.com/pod-eni` annotation: the controller writes it (and
// reads it back at recovery); the node agent reads element 0 for the CNI plugin, which checks
// the agent's `branch` with the same element rules. It writes EKS's keys in EKS's order and
// reads EKS's spellings: `vlanId`, and `vlanID`, which EKS's own CNI (Go, whose JSON keys match
// case-insensitively) also reads. Other keys are case-sensitive; unknown keys are ignored.

const MAC = /^[0-9a-f]{2}(?::[0-9a-f]{2}){5}$/i;
const ENI_ID = /^eni-[0-9a-f]{8,17}$/;
const ASSOCIATION_ID = /^\S+$/;
const IPV4_OCTET = /^(?:0|[1-9]\d{0,2})$/;
const PREFIX = /^(?:0|[1-9]\d{0,2})$/;
const HEX_GROUP = /^[0-9a-f]{1,4}$/i;

/** Parses a strict dotted-quad IPv4 address (no leading zeros) to its 32-bit value, or null. */
function ipv4ToNumber(text: string): number | null {
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
function ipv6ToBigInt(text: string): bigint | null {
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
 * Reads one element of the annotation (or the `branch` of a node agent's answer). MACs and IPv6
 * text come back lowercase; empty IPv6 fields, as EKS writes them for an IPv4-only branch, count
 * as absent; `eniId` and `associationID` are checked when present.
 *
 * @param value - the decoded JSON value
 * @param at - path of the value, prefixed to field names in problems (e.g. `[0]`, `branch`)
 */
export function parsePodEniBranch(value: unknown, at: string): PodEniBranchParse {
  const fail = (key: string, problem: string): PodEniBranchParse => ({
    ok: false,
    field: `${at}.${key}`,
    problem,
  });
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, field: at, problem: `must be an object, got ${describe(value)}` };
  }
  const record = value as Record<string, unknown>;
  const { ifAddress, privateIp, subnetCidr, ipv6Addr, subnetV6Cidr, eniId, associationID } = record;
  const vlanId = record.vlanId ?? record.vlanID;
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
  const branch: PodEniBranch = {
    vlanId,
    ifAddress: ifAddress.toLowerCase(),
    privateIp,
    subnetCidr,
  };
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
  if (eniId !== undefined) {
    if (typeof eniId !== 'string' || !ENI_ID.test(eniId)) {
      return fail('eniId', `must be an interface id like eni-0a1b2c3d, got ${describe(eniId)}`);
    }
    branch.eniId = eniId;
  }
  if (associationID !== undefined) {
    if (typeof associationID !== 'string' || !ASSOCIATION_ID.test(associationID)) {
      return fail('associationID', `must be a non-empty string, got ${describe(associationID)}`);
    }
    branch.associationID = associationID;
  }
  return { ok: true, branch };
}

/** Parses the annotation's JSON array; a problem when it is not a non-empty array. */
function parseArray(
  annotation: string,
): { ok: true; elements: unknown[] } | { ok: false; problem: string } {
  let decoded: unknown;
  try {
    decoded = JSON.parse(annotation);
  } catch {
    return { ok: false, problem: 'is not JSON' };
  }
  if (!Array.isArray(decoded)) return { ok: false, problem: 'is not a JSON array' };
  if (decoded.length === 0) return { ok: false, problem: 'is an empty array' };
  return { ok: true, elements: decoded };
}

/**
 * Reads the annotation as the node side does: element 0 of the array (later elements are not
 * read), or why the annotation is unusable.
 */
export function parsePodEniAnnotation(
  annotation: string,
): { ok: true; branch: PodEniBranch } | { ok: false; problem: string } {
  const array = parseArray(annotation);
  if (!array.ok) return array;
  const parsed = parsePodEniBranch(array.elements[0], '[0]');
  if (!parsed.ok) return { ok: false, problem: `field ${parsed.field} ${parsed.problem}` };
  return parsed;
}

/**
 * Reads the annotation as the controller does (recovery): every element, each with the
 * interface id and association id it needs to own the branch; absent IPv6 fields become `''`.
 *
 * @throws AllocatorError of kind `Invalid`, its message naming the field (`[0].vlanId`)
 */
export function decodePodEniAnnotation(annotation: string): PodEniAttachment[] {
  const array = parseArray(annotation);
  if (!array.ok) throw new AllocatorError('Invalid', `pod-eni annotation ${array.problem}`);
  return array.elements.map((element, index) => {
    const at = `[${index}]`;
    const parsed = parsePodEniBranch(element, at);
    if (!parsed.ok) {
      throw new AllocatorError('Invalid', `pod-eni annotation: ${parsed.field} ${parsed.problem}`);
    }
    const { branch } = parsed;
    if (branch.eniId === undefined) {
      throw new AllocatorError('Invalid', `pod-eni annotation: ${at}.eniId is missing`);
    }
    if (branch.associationID === undefined) {
      throw new AllocatorError('Invalid', `pod-eni annotation: ${at}.associationID is missing`);
    }
    return {
      eniId: branch.eniId,
      ifAddress: branch.ifAddress,
      privateIp: branch.privateIp,
      ipv6Addr: branch.ipv6Addr ?? '',
      vlanId: branch.vlanId,
      subnetCidr: branch.subnetCidr,
      subnetV6Cidr: branch.subnetV6Cidr ?? '',
      associationID: branch.associationID,
    };
  });
}

/**
 * The value of the annotation: a JSON array with one object per branch interface, keys in EKS's
 * order (`eniId`, `ifAddress`, `privateIp`, `ipv6Addr`, `vlanId`, `subnetCidr`, `subnetV6Cidr`,
 * `associationID`).
 */
export function encodePodEniAnnotation(attachments: readonly PodEniAttachment[]): string {
  return JSON.stringify(
    attachments.map((attachment) => ({
      eniId: attachment.eniId,
      ifAddress: attachment.ifAddress,
      privateIp: attachment.privateIp,
      ipv6Addr: attachment.ipv6Addr,
      vlanId: attachment.vlanId,
      subnetCidr: attachment.subnetCidr,
      subnetV6Cidr: attachment.subnetV6Cidr,
      associationID: attachment.associationID,
    })),
  );
}
