import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PolicyValidationError } from '../../errors/PolicyValidationError.js';
import type { Flow, FlowEndpoint, ReachabilityModel } from '../models/ReachabilityQuery.js';
import type { RuleReference, SideVerdict } from '../models/ReachabilityVerdict.js';
import { evaluateReachability } from './evaluateReachability.js';
import { parseSecurityGroups } from './parseSecurityGroups.js';

// A naive reference, written another way: addresses are generated as bit strings and only then
// printed, so the reference never parses text; every rule is expanded into the explicit list of
// (protocol, port or type/code) pairs and peers it allows, and the flow is looked up in it.

/** An address of the small universe: its text and its bits. */
interface Address {
  readonly family: 4 | 6;
  readonly bits: string;
  readonly text: string;
}

const v4 = (last: number, third = 0): Address => ({
  family: 4,
  bits: [10, 0, third, last].map((octet) => octet.toString(2).padStart(8, '0')).join(''),
  text: `10.0.${third}.${last}`,
});
const v6 = (last: number): Address => ({
  family: 6,
  bits:
    'fd00'
      .split('')
      .map((hex) => parseInt(hex, 16).toString(2).padStart(4, '0'))
      .join('')
      .padEnd(112, '0') + last.toString(2).padStart(16, '0'),
  text: `fd00::${last.toString(16)}`,
});
const POOL: readonly Address[] = [
  ...[0, 1, 2, 3, 4, 5, 6, 7].map((last) => v4(last)),
  ...[0, 1, 2, 3].map((last) => v4(last, 1)),
  ...[0, 1, 2, 3].map(v6),
];
const GROUP_IDS = ['sg-00000000', 'sg-11111111', 'sg-22222222', 'sg-33333333'] as const;
const PROTOCOLS = ['-1', 'tcp', 'udp', 'icmp', 'icmpv6', '6', '17', '1', '58', '50'] as const;

interface NaiveRange {
  readonly family: 4 | 6;
  readonly prefixBits: string;
  readonly cidr: string;
}
interface NaivePermission {
  readonly protocol: (typeof PROTOCOLS)[number];
  readonly from: number;
  readonly to: number;
  readonly ranges: readonly NaiveRange[];
  readonly groupRefs: readonly string[];
  readonly prefixLists: readonly string[];
}
interface NaiveGroup {
  readonly groupId: string;
  readonly ingress: readonly NaivePermission[];
  readonly egress: readonly NaivePermission[];
}
interface NaiveInterface {
  readonly id: string;
  readonly addresses: readonly Address[];
  readonly groupIds: readonly string[];
}
type NaiveEnd =
  { kind: 'interface'; id: string } | { kind: 'address'; address: Address } | { kind: 'unknown' };
interface Universe {
  readonly interfaces: readonly NaiveInterface[];
  readonly groups: readonly NaiveGroup[];
  readonly flow: {
    protocol: Flow['protocol'];
    port: number;
    icmpType: number;
    icmpCode: number;
    source: NaiveEnd;
    destination: NaiveEnd;
  };
}

const rangeArbitrary: fc.Arbitrary<NaiveRange> = fc
  .tuple(fc.constantFrom(...POOL), fc.integer({ min: 0, max: 4 }))
  .map(([address, choice]) => {
    const prefix =
      (address.family === 4 ? [0, 24, 29, 31, 32] : [0, 64, 112, 126, 128])[choice] ?? 0;
    const network = address.bits.slice(0, prefix).padEnd(address.bits.length, '0');
    const text = address.family === 4 ? bitsToV4(network) : bitsToV6(network);
    return {
      family: address.family,
      prefixBits: address.bits.slice(0, prefix),
      cidr: `${text}/${prefix}`,
    };
  });

const permissionArbitrary: fc.Arbitrary<NaivePermission> = fc
  .record({
    protocol: fc.constantFrom(...PROTOCOLS),
    a: fc.integer({ min: -1, max: 5 }),
    b: fc.integer({ min: -1, max: 5 }),
    ranges: fc.array(rangeArbitrary, { maxLength: 3 }),
    groupRefs: fc.uniqueArray(fc.constantFrom(...GROUP_IDS), { maxLength: 2 }),
    prefixLists: fc.constantFrom([], ['pl-0123abcd']),
  })
  .map(({ protocol, a, b, ...peers }) => {
    const icmp = ['icmp', 'icmpv6', '1', '58'].includes(protocol);
    // Valid EC2 ports: tcp/udp a range within 0-65535, icmp -1 (all) or a value, all types → all codes.
    const from = icmp ? a : Math.max(0, Math.min(a, b));
    const to = icmp ? (a === -1 ? -1 : b) : Math.max(0, a, b);
    return { protocol, from, to, ...peers };
  });

const universeArbitrary: fc.Arbitrary<Universe> = fc
  .record({
    groups: fc.tuple(
      ...GROUP_IDS.map((groupId) =>
        fc.record({
          groupId: fc.constant(groupId),
          ingress: fc.array(permissionArbitrary, { maxLength: 3 }),
          egress: fc.array(permissionArbitrary, { maxLength: 3 }),
        }),
      ),
    ),
    owners: fc.array(fc.integer({ min: -1, max: 2 }), {
      minLength: POOL.length,
      maxLength: POOL.length,
    }),
    interfaceGroups: fc.array(fc.uniqueArray(fc.constantFrom(...GROUP_IDS), { maxLength: 3 }), {
      minLength: 3,
      maxLength: 3,
    }),
    protocol: fc.constantFrom<Flow['protocol']>('tcp', 'udp', 'icmp', 'icmpv6'),
    port: fc.integer({ min: 0, max: 6 }),
    icmpType: fc.integer({ min: 0, max: 3 }),
    icmpCode: fc.integer({ min: 0, max: 3 }),
    source: endArbitrary(),
    destination: endArbitrary(),
  })
  .map(({ groups, owners, interfaceGroups, source, destination, ...flow }) => ({
    groups,
    // Each pool address belongs to at most one interface (or none), in pool order.
    interfaces: interfaceGroups.map((groupIds, index) => ({
      id: `eni-${index}`,
      addresses: POOL.filter((_, slot) => owners[slot] === index),
      groupIds,
    })),
    flow: { ...flow, source, destination },
  }));

function endArbitrary(): fc.Arbitrary<NaiveEnd> {
  return fc.oneof(
    fc
      .integer({ min: 0, max: 2 })
      .map((index): NaiveEnd => ({ kind: 'interface', id: `eni-${index}` })),
    fc.constantFrom(...POOL).map((address): NaiveEnd => ({ kind: 'address', address })),
    fc.constant<NaiveEnd>({ kind: 'unknown' }),
  );
}

/** What the reference expects: an error, or per side null (not modelled) or the allowing rules in order. */
type Expected =
  { invalid: true } | { invalid: false; egress: string[] | null; ingress: string[] | null };

function naive(universe: Universe): Expected {
  const { flow, interfaces } = universe;
  const explicit = [flow.source, flow.destination].flatMap((end) =>
    end.kind === 'address' ? [end.address.family] : [],
  );
  if (flow.protocol === 'icmp') explicit.push(4);
  if (flow.protocol === 'icmpv6') explicit.push(6);
  if (new Set(explicit).size > 1) return { invalid: true };
  const owner = (end: NaiveEnd) =>
    end.kind === 'interface'
      ? interfaces.find((candidate) => candidate.id === end.id)
      : end.kind === 'address'
        ? interfaces.find((candidate) =>
            candidate.addresses.some((own) => own.text === end.address.text),
          )
        : undefined;
  const source = owner(flow.source);
  const destination = owner(flow.destination);
  let family: 4 | 6 | null = explicit[0] ?? null;
  if (family === null) {
    const families = [...(source?.addresses ?? []), ...(destination?.addresses ?? [])].map(
      (address) => address.family,
    );
    family = families.includes(4) ? 4 : families.includes(6) ? 6 : null;
  }
  // An interface named by id whose addresses include none of the flow's family cannot take part.
  const speechless = (end: NaiveEnd, iface: NaiveInterface | undefined): boolean =>
    end.kind === 'interface' &&
    family !== null &&
    iface !== undefined &&
    iface.addresses.length > 0 &&
    !iface.addresses.some((own) => own.family === family);
  if (speechless(flow.source, source) || speechless(flow.destination, destination)) {
    return { invalid: true };
  }
  const addressOf = (end: NaiveEnd, iface: NaiveInterface | undefined): Address | null =>
    end.kind === 'address'
      ? end.address
      : end.kind === 'interface'
        ? (iface?.addresses.find((own) => own.family === family) ?? null)
        : null;
  const sourceAddress = addressOf(flow.source, source);
  const destinationAddress = addressOf(flow.destination, destination);

  const allowing = (
    self: NaiveInterface | undefined,
    direction: 'ingress' | 'egress',
    peer: NaiveInterface | undefined,
    peerAddress: Address | null,
  ): string[] | null => {
    if (self === undefined) return null;
    const found: string[] = [];
    for (const groupId of self.groupIds) {
      const group = universe.groups.find((candidate) => candidate.groupId === groupId);
      (group?.[direction] ?? []).forEach((permission, index) => {
        if (!trafficAllowed(permission, flow)) return;
        for (const range of permission.ranges) {
          const ok =
            (family === null || range.family === family) &&
            (peerAddress === null
              ? range.prefixBits === ''
              : peerAddress.family === range.family &&
                peerAddress.bits.startsWith(range.prefixBits));
          if (ok) found.push(`${groupId} ${direction} ${index} ${range.cidr}`);
        }
        for (const ref of permission.groupRefs) {
          const primary = peer?.addresses.find((own) => own.family === peerAddress?.family);
          const ok =
            peer !== undefined &&
            peer.groupIds.includes(ref) &&
            (peerAddress === null || primary?.text === peerAddress.text);
          if (ok) found.push(`${groupId} ${direction} ${index} ${ref}`);
        }
      });
    }
    return found;
  };
  return {
    invalid: false,
    egress: allowing(source, 'egress', destination, destinationAddress),
    ingress: allowing(destination, 'ingress', source, sourceAddress),
  };
}

function trafficAllowed(permission: NaivePermission, flow: Universe['flow']): boolean {
  const names: Record<string, string> = { '6': 'tcp', '17': 'udp', '1': 'icmp', '58': 'icmpv6' };
  const protocol = names[permission.protocol] ?? permission.protocol;
  if (protocol === '-1') return true;
  if (protocol === '50') return false; // ESP: never one of the flow protocols
  if (protocol !== flow.protocol) return false;
  if (protocol === 'tcp' || protocol === 'udp') {
    const ports: number[] = [];
    for (let port = permission.from; port <= permission.to; port++) ports.push(port);
    return ports.includes(flow.port);
  }
  return (
    (permission.from === -1 || permission.from === flow.icmpType) &&
    (permission.to === -1 || permission.to === flow.icmpCode)
  );
}

function toModel(universe: Universe): { model: ReachabilityModel; flow: Flow } {
  const permission = (p: NaivePermission) => ({
    IpProtocol: p.protocol,
    ...(['-1', '50'].includes(p.protocol) ? {} : { FromPort: p.from, ToPort: p.to }),
    IpRanges: p.ranges
      .filter((range) => range.family === 4)
      .map((range) => ({ CidrIp: range.cidr })),
    Ipv6Ranges: p.ranges
      .filter((range) => range.family === 6)
      .map((range) => ({ CidrIpv6: range.cidr })),
    UserIdGroupPairs: p.groupRefs.map((GroupId) => ({ GroupId })),
    PrefixListIds: p.prefixLists.map((PrefixListId) => ({ PrefixListId })),
  });
  const securityGroups = parseSecurityGroups({
    SecurityGroups: universe.groups.map((group) => ({
      GroupId: group.groupId,
      IpPermissions: group.ingress.map(permission),
      IpPermissionsEgress: group.egress.map(permission),
    })),
  });
  const endpoint = (end: NaiveEnd): FlowEndpoint =>
    end.kind === 'interface'
      ? { interfaceId: end.id }
      : { address: end.kind === 'address' ? end.address.text : null };
  const { flow } = universe;
  return {
    model: {
      interfaces: universe.interfaces.map((iface) => ({
        ...iface,
        addresses: iface.addresses.map((address) => address.text),
      })),
      securityGroups,
    },
    flow: {
      protocol: flow.protocol,
      source: endpoint(flow.source),
      destination: endpoint(flow.destination),
      port: flow.port,
      icmpType: flow.icmpType,
      icmpCode: flow.icmpCode,
    },
  };
}

/** The evaluator's rule in the reference's notation (IPv4 and IPv6 ranges are listed in that order). */
function key(rule: RuleReference): string {
  const peer =
    rule.peer.kind === 'cidr'
      ? rule.peer.cidr
      : rule.peer.kind === 'group'
        ? rule.peer.groupId
        : rule.peer.prefixListId;
  return `${rule.groupId} ${rule.direction} ${rule.permissionIndex} ${peer}`;
}

function agree(side: SideVerdict, expected: string[] | null): void {
  if (expected === null) {
    expect(side.outcome).toBe('not-modelled');
  } else if (side.outcome === 'allowed') {
    expect(expected.length).toBeGreaterThan(0);
    // The reported rule is an allowing one, and no allowing rule of an earlier group or permission exists.
    const reported = key(side.rule);
    expect(expected).toContain(reported);
    const [groupId, , index] = reported.split(' ');
    const [firstGroup, , firstIndex] = (expected[0] ?? '').split(' ');
    expect([groupId, index]).toEqual([firstGroup, firstIndex]);
  } else {
    expect(side.outcome).toBe('denied');
    expect(expected).toEqual([]);
  }
}

describe('evaluateReachability against a naive reference', () => {
  it('agrees on every verdict and on the rule reported for each side', () => {
    fc.assert(
      fc.property(universeArbitrary, (universe) => {
        const expected = naive(universe);
        const { model, flow } = toModel(universe);
        if (expected.invalid) {
          expect(() => evaluateReachability(model, flow)).toThrow(PolicyValidationError);
          return;
        }
        const verdict = evaluateReachability(model, flow);
        agree(verdict.egress, expected.egress);
        agree(verdict.ingress, expected.ingress);
        const sideAllows = (rules: string[] | null) => rules === null || rules.length > 0;
        expect(verdict.allowed).toBe(sideAllows(expected.egress) && sideAllows(expected.ingress));
      }),
      { numRuns: 3000 },
    );
  });

  it("is stateful: the source's ingress and the destination's egress rules never matter", () => {
    fc.assert(
      fc.property(universeArbitrary, (universe) => {
        const { model, flow } = toModel(universe);
        if (naive(universe).invalid) return;
        const before = evaluateReachability(model, flow).allowed;
        const ends = [flow.source, flow.destination].map((end) =>
          'interfaceId' in end
            ? model.interfaces.find((iface) => iface.id === end.interfaceId)
            : model.interfaces.find((iface) => iface.addresses.includes(end.address ?? '')),
        );
        const [sourceGroups, destinationGroups] = ends.map(
          (iface) => new Set(iface?.groupIds ?? []),
        );
        // Drop every rule of the reverse direction of groups only one end carries.
        const stripped = model.securityGroups.map((group) => ({
          ...group,
          ingress:
            sourceGroups?.has(group.groupId) && !destinationGroups?.has(group.groupId)
              ? []
              : group.ingress,
          egress:
            destinationGroups?.has(group.groupId) && !sourceGroups?.has(group.groupId)
              ? []
              : group.egress,
        }));
        expect(evaluateReachability({ ...model, securityGroups: stripped }, flow).allowed).toBe(
          before,
        );
      }),
      { numRuns: 1000 },
    );
  });
});

function bitsToV4(bits: string): string {
  return [0, 8, 16, 24].map((at) => parseInt(bits.slice(at, at + 8), 2)).join('.');
}

function bitsToV6(bits: string): string {
  const groups = [0, 1, 2, 3, 4, 5, 6, 7].map((index) =>
    parseInt(bits.slice(index * 16, index * 16 + 16), 2).toString(16),
  );
  return groups.join(':'); // uncompressed, a form the evaluator must read too
}
