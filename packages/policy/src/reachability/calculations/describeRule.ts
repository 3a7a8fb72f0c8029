import type { PermissionTraffic } from '../models/SecurityGroup.js';
import type { RuleDirection, RulePeer } from '../models/ReachabilityVerdict.js';

/**
 * A rule as an operator reads it: `tcp 5432 from sg-0123456789abcdef0 (rds-access)`,
 * `all traffic to 0.0.0.0/0`, `icmp type 8, all codes from 10.0.0.0/16`.
 */
export function describeRule(
  traffic: PermissionTraffic,
  direction: RuleDirection,
  peer: RulePeer,
  groupNames: ReadonlyMap<string, string | null>,
): string {
  return `${describeTraffic(traffic)} ${direction === 'ingress' ? 'from' : 'to'} ${describePeer(peer, groupNames)}`;
}

/** `all traffic`, `tcp 5432`, `udp 1024-2047`, `tcp all ports`, `icmp type 3 code 4`, `protocol 50`. */
export function describeTraffic(traffic: PermissionTraffic): string {
  switch (traffic.protocol) {
    case 'all':
      return 'all traffic';
    case 'tcp':
    case 'udp':
      return `${traffic.protocol} ${describePorts(traffic.fromPort, traffic.toPort)}`;
    case 'icmp':
    case 'icmpv6':
      return traffic.icmpType === null
        ? `${traffic.protocol} all types`
        : `${traffic.protocol} type ${traffic.icmpType}, ${traffic.icmpCode === null ? 'all codes' : `code ${traffic.icmpCode}`}`;
    default:
      return `protocol ${traffic.protocol}`;
  }
}

/** `5432`, `80-443`, `all ports`. */
export function describePorts(fromPort: number, toPort: number): string {
  if (fromPort === 0 && toPort === 65535) return 'all ports';
  return fromPort === toPort ? String(fromPort) : `${fromPort}-${toPort}`;
}

function describePeer(peer: RulePeer, groupNames: ReadonlyMap<string, string | null>): string {
  if (peer.kind === 'cidr') return peer.cidr;
  if (peer.kind === 'prefix-list') return `prefix list ${peer.prefixListId}`;
  const name = groupNames.get(peer.groupId) ?? null;
  return name === null ? peer.groupId : `${peer.groupId} (${name})`;
}
