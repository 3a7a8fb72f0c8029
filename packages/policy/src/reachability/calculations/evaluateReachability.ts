import { PolicyValidationError, type ValidationIssue } from '../../errors/PolicyValidationError.js';
import type {
  Flow,
  FlowEndpoint,
  ModelledInterface,
  ReachabilityModel,
} from '../models/ReachabilityQuery.js';
import type {
  NearMiss,
  ReachabilityVerdict,
  RuleDirection,
  RulePeer,
  RuleReference,
  SideVerdict,
} from '../models/ReachabilityVerdict.js';
import type {
  PermissionTraffic,
  SecurityGroup,
  SecurityGroupPermission,
} from '../models/SecurityGroup.js';
import { describeRule } from './describeRule.js';
import { ipRangeContains, parseIpRange, parseIpValue, type IpValue } from './ipRanges.js';

const PROTOCOL_NUMBERS = { tcp: 6, udp: 17, icmp: 1, icmpv6: 58 } as const;
const MAX_NEAR_MISSES = 3;

/** One end of the flow, resolved against the model. */
interface ResolvedEnd {
  /** The modelled interface at this end, or null when the end is outside the model. */
  readonly iface: ModelledInterface | null;
  /** The address the flow uses at this end, or null when unknown. */
  readonly address: IpValue | null;
  readonly addressText: string | null;
  /** Whether rules that reference the interface's groups match this end (its primary address, or unknown). */
  readonly groupReferencesMatch: boolean;
}

/** Everything a rule is matched against. */
interface Situation {
  readonly flow: Flow;
  /** The flow's address family, or null when no address at either end is known. */
  readonly family: 4 | 6 | null;
  readonly groupNames: ReadonlyMap<string, string | null>;
}

/**
 * May `flow` start, under EC2's security group semantics? Groups are allow-only and stateful:
 * the flow needs an egress rule of one of the source's groups **and** an ingress rule of one of
 * the destination's groups; an end outside the model (an address only) constrains nothing; the
 * replies of an allowed flow pass. A rule allows by CIDR (the peer's address lies in it) or by
 * referenced group (the peer is a modelled interface carrying that group, at its primary
 * address); `-1` is every protocol, port ranges are inclusive, ICMP type and code come from
 * `FromPort`/`ToPort` with -1 meaning all. Prefix-list rules are not modelled and never match.
 *
 * Pure. Answers which rule allows the flow on each side (the first, in the order of the
 * interface's groups and then of the rules), or why none does, with up to three near misses.
 *
 * @throws PolicyValidationError of kind `InvalidReachabilityQuery` when the model or the flow is
 * inconsistent (unknown interface, malformed address, port out of range, …), naming each field
 */
export function evaluateReachability(model: ReachabilityModel, flow: Flow): ReachabilityVerdict {
  const issues: ValidationIssue[] = [];
  const owners = indexAddresses(model.interfaces, issues);
  checkFlow(flow, issues);
  const source = resolveEnd(flow.source, 'source', model, owners, issues);
  const destination = resolveEnd(flow.destination, 'destination', model, owners, issues);
  const family = flowFamily(flow, source, destination, issues);
  const from = atFamily(source, 'source', family, issues);
  const to = atFamily(destination, 'destination', family, issues);
  if (issues.length > 0 || from === null || to === null) {
    throw new PolicyValidationError('InvalidReachabilityQuery', 'reachability query', issues);
  }
  const groups = new Map(model.securityGroups.map((group) => [group.groupId, group]));
  const situation: Situation = {
    flow,
    family,
    groupNames: new Map(model.securityGroups.map((group) => [group.groupId, group.groupName])),
  };
  const egress = judgeSide('egress', from, to, groups, situation);
  const ingress = judgeSide('ingress', to, from, groups, situation);
  return {
    allowed: egress.outcome !== 'denied' && ingress.outcome !== 'denied',
    egress,
    ingress,
  };
}

function judgeSide(
  direction: RuleDirection,
  self: ResolvedEnd,
  peer: ResolvedEnd,
  groups: ReadonlyMap<string, SecurityGroup>,
  situation: Situation,
): SideVerdict {
  const { iface } = self;
  if (iface === null) {
    const end = direction === 'egress' ? 'source' : 'destination';
    return {
      direction,
      outcome: 'not-modelled',
      reason: `the ${end} ${self.addressText ?? '(address unknown)'} is not a modelled interface, so no ${direction} rule applies`,
    };
  }
  const groupIds = [...new Set(iface.groupIds)];
  const unknownGroupIds = groupIds.filter((groupId) => !groups.has(groupId));
  const nearMisses: NearMiss[] = [];
  for (const groupId of groupIds) {
    const group = groups.get(groupId);
    if (group === undefined) continue;
    const permissions = direction === 'ingress' ? group.ingress : group.egress;
    for (const [permissionIndex, permission] of permissions.entries()) {
      const trafficMismatch = matchTraffic(permission.traffic, situation.flow);
      for (const peerRule of peersOf(permission)) {
        const peerMismatch = matchPeer(peerRule, peer, situation.family);
        const rule = (): RuleReference =>
          reference(group, direction, permissionIndex, permission, peerRule, situation);
        if (trafficMismatch === null && peerMismatch === null) {
          return {
            direction,
            outcome: 'allowed',
            interfaceId: iface.id,
            groupIds,
            rule: rule(),
            unknownGroupIds,
          };
        }
        const mismatch =
          trafficMismatch === null ? peerMismatch : peerMismatch === null ? trafficMismatch : null;
        if (mismatch !== null && nearMisses.length < MAX_NEAR_MISSES) {
          nearMisses.push({ rule: rule(), mismatch });
        }
      }
    }
  }
  return {
    direction,
    outcome: 'denied',
    interfaceId: iface.id,
    groupIds,
    unknownGroupIds,
    reason: denialReason(direction, iface, groupIds, unknownGroupIds, peer, situation.flow),
    nearMisses,
  };
}

function denialReason(
  direction: RuleDirection,
  iface: ModelledInterface,
  groupIds: readonly string[],
  unknownGroupIds: readonly string[],
  peer: ResolvedEnd,
  flow: Flow,
): string {
  if (groupIds.length === 0) {
    return `${iface.id} carries no security group, so it may ${direction === 'egress' ? 'send' : 'receive'} nothing`;
  }
  const known = groupIds.filter((groupId) => !unknownGroupIds.includes(groupId));
  const peerText =
    peer.iface === null
      ? (peer.addressText ?? 'an address outside the model')
      : `${peer.iface.id}${peer.addressText === null ? '' : ` (${peer.addressText})`}`;
  const what = `${describeFlow(flow)} ${direction === 'egress' ? 'to' : 'from'} ${peerText}`;
  const unknown =
    unknownGroupIds.length === 0
      ? ''
      : `; the rules of ${unknownGroupIds.join(', ')} were not given`;
  return known.length === 0
    ? `no ${direction} rule is known for ${iface.id}${unknown}`
    : `no ${direction} rule of ${known.join(', ')} allows ${what}${unknown}`;
}

/** `tcp 5432`, `icmp type 8 code 0`. */
function describeFlow(flow: Flow): string {
  if (flow.protocol === 'tcp' || flow.protocol === 'udp') {
    return `${flow.protocol} ${flow.port ?? '?'}`;
  }
  const [type, code] = icmpOf(flow);
  return `${flow.protocol} type ${type} code ${code}`;
}

function* peersOf(permission: SecurityGroupPermission): Generator<RulePeer> {
  for (const range of permission.ipv4Ranges) yield { kind: 'cidr', cidr: range.cidr };
  for (const range of permission.ipv6Ranges) yield { kind: 'cidr', cidr: range.cidr };
  for (const pair of permission.groupPairs) yield { kind: 'group', groupId: pair.groupId };
  for (const prefixListId of permission.prefixListIds) yield { kind: 'prefix-list', prefixListId };
}

function reference(
  group: SecurityGroup,
  direction: RuleDirection,
  permissionIndex: number,
  permission: SecurityGroupPermission,
  peer: RulePeer,
  situation: Situation,
): RuleReference {
  return {
    groupId: group.groupId,
    groupName: group.groupName,
    direction,
    permissionIndex,
    peer,
    summary: describeRule(permission.traffic, direction, peer, situation.groupNames),
  };
}

/** Null when the rule's protocol and ports cover the flow, else what does not. */
function matchTraffic(traffic: PermissionTraffic, flow: Flow): string | null {
  const protocol = traffic.protocol;
  if (protocol === 'all') return null;
  if (typeof protocol === 'number') {
    return protocol === PROTOCOL_NUMBERS[flow.protocol]
      ? null
      : `protocol ${protocol} is not ${flow.protocol}`;
  }
  if (protocol !== flow.protocol) return `${protocol} rule, the flow is ${flow.protocol}`;
  if (traffic.protocol === 'tcp' || traffic.protocol === 'udp') {
    const port = flow.port ?? -1;
    return port >= traffic.fromPort && port <= traffic.toPort
      ? null
      : `port ${port} not in ${traffic.fromPort}-${traffic.toPort}`;
  }
  if (!('icmpType' in traffic)) return null;
  const [type, code] = icmpOf(flow);
  if (traffic.icmpType !== null && traffic.icmpType !== type) {
    return `${protocol} type ${type} is not ${traffic.icmpType}`;
  }
  if (traffic.icmpCode !== null && traffic.icmpCode !== code) {
    return `${protocol} code ${code} is not ${traffic.icmpCode}`;
  }
  return null;
}

/** Null when the rule's peer covers the other end of the flow, else what does not. */
function matchPeer(peer: RulePeer, end: ResolvedEnd, family: 4 | 6 | null): string | null {
  if (peer.kind === 'prefix-list') return `prefix list ${peer.prefixListId} is not modelled`;
  if (peer.kind === 'cidr') {
    const range = parseIpRange(peer.cidr);
    if (range === null) return `${peer.cidr} is not a CIDR`;
    if (family !== null && range.family !== family) {
      return `${peer.cidr} is IPv${range.family}, the flow IPv${family}`;
    }
    if (end.address === null) {
      return range.prefixLength === 0
        ? null
        : `the peer's address is unknown; only a /0 range can be judged`;
    }
    return ipRangeContains(range, end.address)
      ? null
      : `${end.addressText ?? ''} not in ${peer.cidr}`;
  }
  if (end.iface === null) {
    return `${end.addressText ?? 'the peer'} is no modelled interface, so it carries no group`;
  }
  if (!end.iface.groupIds.includes(peer.groupId)) {
    const carried = end.iface.groupIds.length === 0 ? 'no group' : end.iface.groupIds.join(', ');
    return `${end.iface.id} carries ${carried}, not ${peer.groupId}`;
  }
  return end.groupReferencesMatch
    ? null
    : `${end.addressText ?? ''} is not the primary address of ${end.iface.id} (group rules match primary addresses)`;
}

function icmpOf(flow: Flow): [number, number] {
  return [flow.icmpType ?? (flow.protocol === 'icmpv6' ? 128 : 8), flow.icmpCode ?? 0];
}

/** Address → interface, with issues for malformed and shared addresses and repeated ids. */
function indexAddresses(
  interfaces: readonly ModelledInterface[],
  issues: ValidationIssue[],
): Map<bigint, ModelledInterface> {
  const owners = new Map<bigint, ModelledInterface>();
  const ids = new Set<string>();
  interfaces.forEach((iface, index) => {
    if (ids.has(iface.id)) {
      issues.push({ path: `interfaces[${index}].id`, message: `${iface.id} is listed twice` });
    }
    ids.add(iface.id);
    iface.addresses.forEach((text, addressIndex) => {
      const path = `interfaces[${index}].addresses[${addressIndex}]`;
      const address = parseIpValue(text);
      if (address === null) {
        issues.push({ path, message: `${JSON.stringify(text)} is not an IP address` });
        return;
      }
      const key = addressKey(address);
      const owner = owners.get(key);
      if (owner !== undefined && owner !== iface) {
        issues.push({ path, message: `${text} is also an address of ${owner.id}` });
      }
      owners.set(key, iface);
    });
  });
  return owners;
}

function addressKey(address: IpValue): bigint {
  // IPv4 values sit above the IPv6 space so the two families never collide.
  return address.family === 4 ? (1n << 128n) + address.value : address.value;
}

function checkFlow(flow: Flow, issues: ValidationIssue[]): void {
  const { protocol } = flow;
  if (!(protocol in PROTOCOL_NUMBERS)) {
    issues.push({
      path: 'flow.protocol',
      message: `must be tcp, udp, icmp or icmpv6, got ${JSON.stringify(protocol)}`,
    });
    return;
  }
  const inRange = (value: number | undefined, max: number): boolean =>
    value === undefined || (Number.isInteger(value) && value >= 0 && value <= max);
  if (protocol === 'tcp' || protocol === 'udp') {
    if (flow.port === undefined || !inRange(flow.port, 65535)) {
      issues.push({
        path: 'flow.port',
        message: `a ${protocol} flow needs a port from 0 to 65535`,
      });
    }
  } else {
    if (!inRange(flow.icmpType, 255))
      issues.push({ path: 'flow.icmpType', message: 'must be 0-255' });
    if (!inRange(flow.icmpCode, 255))
      issues.push({ path: 'flow.icmpCode', message: 'must be 0-255' });
  }
}

function resolveEnd(
  endpoint: FlowEndpoint,
  name: 'source' | 'destination',
  model: ReachabilityModel,
  owners: ReadonlyMap<bigint, ModelledInterface>,
  issues: ValidationIssue[],
): ResolvedEnd | null {
  if ('interfaceId' in endpoint) {
    const iface = model.interfaces.find((candidate) => candidate.id === endpoint.interfaceId);
    if (iface === undefined) {
      issues.push({
        path: `flow.${name}.interfaceId`,
        message: `no interface ${endpoint.interfaceId} in the model`,
      });
      return null;
    }
    return { iface, address: null, addressText: null, groupReferencesMatch: true };
  }
  if (endpoint.address === null) {
    return { iface: null, address: null, addressText: null, groupReferencesMatch: false };
  }
  const address = parseIpValue(endpoint.address);
  if (address === null) {
    issues.push({
      path: `flow.${name}.address`,
      message: `${JSON.stringify(endpoint.address)} is not an IP address`,
    });
    return null;
  }
  const iface = owners.get(addressKey(address)) ?? null;
  const primary =
    iface === null
      ? undefined
      : iface.addresses.map(parseIpValue).find((own) => own?.family === address.family);
  return {
    iface,
    address,
    addressText: endpoint.address,
    groupReferencesMatch: primary?.value === address.value,
  };
}

/** The family of the flow: from a given address, else the protocol, else the interfaces' addresses. */
function flowFamily(
  flow: Flow,
  source: ResolvedEnd | null,
  destination: ResolvedEnd | null,
  issues: ValidationIssue[],
): 4 | 6 | null {
  const byProtocol: 4 | 6 | undefined =
    flow.protocol === 'icmp' ? 4 : flow.protocol === 'icmpv6' ? 6 : undefined;
  const families = new Set<4 | 6>();
  for (const family of [source?.address?.family, destination?.address?.family, byProtocol]) {
    if (family !== undefined) families.add(family);
  }
  if (families.size > 1) {
    issues.push({
      path: 'flow',
      message: `mixes IPv4 and IPv6: ${flow.protocol} from ${source?.addressText ?? 'an interface'} to ${destination?.addressText ?? 'an interface'}`,
    });
    return null;
  }
  const [only] = families;
  if (only !== undefined) return only;
  const interfaceFamilies = [source?.iface, destination?.iface].flatMap((iface) =>
    (iface?.addresses ?? []).map((text) => parseIpValue(text)?.family),
  );
  if (interfaceFamilies.includes(4)) return 4;
  return interfaceFamilies.includes(6) ? 6 : null;
}

/**
 * An interface given by id speaks from its primary address of the flow's family; one whose
 * addresses are known but include none of that family cannot take part in the flow.
 */
function atFamily(
  end: ResolvedEnd | null,
  name: 'source' | 'destination',
  family: 4 | 6 | null,
  issues: ValidationIssue[],
): ResolvedEnd | null {
  if (end === null || end.iface === null || end.address !== null || family === null) return end;
  for (const text of end.iface.addresses) {
    const address = parseIpValue(text);
    if (address?.family === family) return { ...end, address, addressText: text };
  }
  if (end.iface.addresses.length > 0) {
    issues.push({
      path: `flow.${name}.interfaceId`,
      message: `${end.iface.id} has no IPv${family} address for an IPv${family} flow`,
    });
  }
  return end;
}
