/**
 * An EC2 security group with its rules, as `aws ec2 describe-security-groups` prints it, checked
 * and normalised by `parseSecurityGroups`.
 */
export interface SecurityGroup {
  readonly groupId: string;
  /** `GroupName`, or null when the input had none. */
  readonly groupName: string | null;
  /** `VpcId`, or null when the input had none. */
  readonly vpcId: string | null;
  /** `IpPermissions`, in input order: what may arrive at an interface carrying the group. */
  readonly ingress: readonly SecurityGroupPermission[];
  /** `IpPermissionsEgress`, in input order: what an interface carrying the group may send. */
  readonly egress: readonly SecurityGroupPermission[];
}

/**
 * One `IpPermission`: a kind of traffic and the peers it is allowed to or from. EC2 counts each
 * peer as one rule (`DescribeSecurityGroupRules`); the evaluator reports them that way too.
 */
export interface SecurityGroupPermission {
  readonly traffic: PermissionTraffic;
  /** `IpRanges[].CidrIp`. */
  readonly ipv4Ranges: readonly CidrPeer[];
  /** `Ipv6Ranges[].CidrIpv6`. */
  readonly ipv6Ranges: readonly CidrPeer[];
  /** `UserIdGroupPairs[]`: any interface carrying the group is a peer. */
  readonly groupPairs: readonly GroupPeer[];
  /** `PrefixListIds[].PrefixListId`: their CIDRs are not modelled, so they never match. */
  readonly prefixListIds: readonly string[];
}

/**
 * What a permission allows, by `IpProtocol`:
 * - `all`: `-1`, every protocol and port;
 * - `tcp`/`udp` (`6`/`17`): ports `fromPort`…`toPort`, inclusive;
 * - `icmp`/`icmpv6` (`1`/`58`): `FromPort` is the ICMP type and `ToPort` the code, null = all;
 * - a number: another IP protocol, all of its traffic.
 */
export type PermissionTraffic =
  | { readonly protocol: 'all' }
  | { readonly protocol: 'tcp' | 'udp'; readonly fromPort: number; readonly toPort: number }
  | {
      readonly protocol: 'icmp' | 'icmpv6';
      readonly icmpType: number | null;
      readonly icmpCode: number | null;
    }
  | { readonly protocol: number };

/** An IPv4 or IPv6 range a permission names. */
export interface CidrPeer {
  /** As given (`10.0.0.0/16`, `2600:1f14::/56`). */
  readonly cidr: string;
  readonly description: string | null;
}

/** A security group a permission names as its peer. */
export interface GroupPeer {
  readonly groupId: string;
  /** The owning account (`UserId`), or null; informational. */
  readonly userId: string | null;
  readonly description: string | null;
}
