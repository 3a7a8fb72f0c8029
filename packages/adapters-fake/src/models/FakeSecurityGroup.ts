/**
 * One permission of a security group, in the shape `aws ec2 describe-security-groups` prints
 * (and `authorize-security-group-ingress --ip-permissions` takes). `IpProtocol` is `tcp`,
 * `udp`, `icmp`, `icmpv6`, `-1` (all traffic) or another protocol number; ports are absent for
 * `-1`, and for ICMP they hold the type (`FromPort`) and code (`ToPort`), `-1` meaning all.
 */
export interface IpPermission {
  IpProtocol: string;
  FromPort?: number;
  ToPort?: number;
  IpRanges?: { CidrIp: string; Description?: string }[];
  Ipv6Ranges?: { CidrIpv6: string; Description?: string }[];
  /** Referenced groups: traffic from (ingress) or to (egress) any interface carrying them. */
  UserIdGroupPairs?: { GroupId: string; UserId?: string; Description?: string }[];
}

/** A security group with its rules, as `aws ec2 describe-security-groups` prints one. */
export interface FakeSecurityGroup {
  GroupId: string;
  GroupName: string;
  Description: string;
  VpcId: string;
  OwnerId: string;
  /** Inbound rules, one permission per protocol and port range, peers merged. */
  IpPermissions: IpPermission[];
  /** Outbound rules; a new group has EC2's default: all traffic to 0.0.0.0/0. */
  IpPermissionsEgress: IpPermission[];
  Tags: { Key: string; Value: string }[];
}

/**
 * One rule (one peer, one protocol and port range), as `aws ec2 describe-security-group-rules`
 * prints it; `SecurityGroupRuleId` is `sgr-` and 17 hex digits.
 */
export interface FakeSecurityGroupRule {
  SecurityGroupRuleId: string;
  GroupId: string;
  GroupOwnerId: string;
  IsEgress: boolean;
  IpProtocol: string;
  FromPort: number;
  ToPort: number;
  CidrIpv4?: string;
  CidrIpv6?: string;
  ReferencedGroupInfo?: { GroupId: string; UserId: string };
  Description?: string;
}
