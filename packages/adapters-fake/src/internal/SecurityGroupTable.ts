import type { SeededRandom } from '../services/SeededRandom.js';
import type {
  FakeSecurityGroup,
  FakeSecurityGroupRule,
  IpPermission,
} from '../models/FakeSecurityGroup.js';
import { ec2Error } from './ec2Error.js';
import {
  formatIpv4,
  formatIpv6Value as formatIpv6,
  parseIpv4Cidr,
  parseIpv6Cidr,
} from '@podsg/cni';

/** Where a rule's traffic comes from (ingress) or goes to (egress). */
type Peer =
  | { kind: 'ipv4'; cidr: string }
  | { kind: 'ipv6'; cidr: string }
  | { kind: 'group'; groupId: string };

interface RuleRecord {
  id: string;
  groupId: string;
  egress: boolean;
  protocol: string;
  fromPort: number;
  toPort: number;
  peer: Peer;
  description: string | undefined;
}

interface GroupRecord {
  id: string;
  name: string;
  description: string;
  vpcId: string;
  tags: Record<string, string>;
  rules: RuleRecord[];
}

/** EC2 writes these protocol numbers by name. */
const PROTOCOL_NAMES: Readonly<Record<string, string>> = {
  '1': 'icmp',
  '6': 'tcp',
  '17': 'udp',
  '58': 'icmpv6',
  all: '-1',
};
const GROUP_NAME_CHARS = /^[a-zA-Z0-9 ._\-:/()#,@[\]+=&;{}!$*]*$/;

/**
 * The security groups of the fake region and their rules, with EC2's checks: names unique per
 * VPC, one rule per protocol, port range and peer (`InvalidPermission.Duplicate`), EC2's limit
 * of rules per group and direction (IPv6 ranges counted apart), `sgr-` rule ids, and
 * `DependencyViolation` for a group another group's rule references.
 */
export class SecurityGroupTable {
  readonly #groups = new Map<string, GroupRecord>();
  readonly #rules = new Map<string, RuleRecord>();

  readonly #random: SeededRandom;
  readonly #rulesPerGroup: number;

  constructor(
    random: SeededRandom,
    readonly ownerId: string,
    rulesPerGroup: number,
  ) {
    this.#random = random;
    this.#rulesPerGroup = rulesPerGroup;
  }

  /** The VPC of a group, or undefined when it does not exist. */
  vpcOf(groupId: string): string | undefined {
    return this.#groups.get(groupId)?.vpcId;
  }

  /** Group ids in creation order. */
  ids(): string[] {
    return [...this.#groups.keys()];
  }

  has(groupId: string): boolean {
    return this.#groups.has(groupId);
  }

  /** Adds a group with EC2's default egress rule (all traffic to 0.0.0.0/0). */
  add(spec: {
    groupId: string;
    groupName: string;
    description: string;
    vpcId: string;
    tags?: Readonly<Record<string, string>>;
  }): void {
    const group: GroupRecord = {
      id: spec.groupId,
      name: spec.groupName,
      description: spec.description,
      vpcId: spec.vpcId,
      tags: { ...spec.tags },
      rules: [],
    };
    this.#groups.set(group.id, group);
    this.#insert(group, true, '-1', -1, -1, { kind: 'ipv4', cidr: '0.0.0.0/0' }, undefined);
  }

  /** CreateSecurityGroup's checks: a valid, unused name and a description. */
  checkNew(groupName: string, description: string, vpcId: string): void {
    for (const [field, value] of [
      ['GroupName', groupName],
      ['GroupDescription', description],
    ] as const) {
      const given: unknown = value;
      if (typeof given !== 'string' || (field === 'GroupName' && value.length === 0)) {
        throw ec2Error('MissingParameter', `The request must contain the parameter ${field}`);
      }
      if (value.length > 255 || !GROUP_NAME_CHARS.test(value)) {
        throw ec2Error(
          'InvalidParameterValue',
          `Value (${value}) for parameter ${field} is invalid. Character sets beyond ASCII are not supported.`,
        );
      }
    }
    if (groupName.toLowerCase().startsWith('sg-')) {
      throw ec2Error(
        'InvalidParameterValue',
        `Value (${groupName}) for parameter GroupName is invalid. Group names may not be in the format sg-*.`,
      );
    }
    for (const group of this.#groups.values()) {
      if (group.vpcId === vpcId && group.name === groupName) {
        throw ec2Error(
          'InvalidGroup.Duplicate',
          `The security group '${groupName}' already exists for VPC '${vpcId}'`,
        );
      }
    }
  }

  /**
   * Removes a group. `inUseBy` names an interface carrying it (then `DependencyViolation`);
   * a group referenced by another group's rule is refused the same way.
   */
  remove(groupId: string, inUseBy: string | undefined): void {
    const group = this.#group(groupId);
    const referrer = [...this.#rules.values()].find(
      (rule) =>
        rule.peer.kind === 'group' && rule.peer.groupId === groupId && rule.groupId !== groupId,
    );
    const dependent = inUseBy ?? referrer?.groupId;
    if (dependent !== undefined) {
      throw ec2Error(
        'DependencyViolation',
        `resource ${groupId} has a dependent object (${dependent})`,
      );
    }
    for (const rule of group.rules) this.#rules.delete(rule.id);
    this.#groups.delete(groupId);
  }

  /** Removes a group without EC2's checks (the model's out-of-band driver). */
  forget(groupId: string): boolean {
    const group = this.#groups.get(groupId);
    if (group === undefined) return false;
    for (const rule of group.rules) this.#rules.delete(rule.id);
    this.#groups.delete(groupId);
    return true;
  }

  /**
   * AuthorizeSecurityGroupIngress/Egress: every permission is checked before any rule is
   * added, so a refused request adds nothing. Returns the new rules.
   */
  authorize(
    groupId: string,
    egress: boolean,
    permissions: readonly IpPermission[],
  ): FakeSecurityGroupRule[] {
    const group = this.#group(groupId);
    const wanted = this.#expand(group, egress, permissions);
    const keys = new Set(group.rules.filter((r) => r.egress === egress).map(ruleKey));
    for (const rule of wanted) {
      const key = ruleKey(rule);
      if (keys.has(key)) {
        throw ec2Error(
          'InvalidPermission.Duplicate',
          `the specified rule "peer: ${peerText(rule.peer)}, ${rule.protocol.toUpperCase()}, from port: ${rule.fromPort}, to port: ${rule.toPort}, ALLOW" already exists`,
        );
      }
      keys.add(key);
    }
    for (const ipv6 of [false, true]) {
      const count = (rules: readonly Omit<RuleRecord, 'id'>[]): number =>
        rules.filter((r) => r.egress === egress && (r.peer.kind === 'ipv6') === ipv6).length;
      if (count(group.rules) + count(wanted) > this.#rulesPerGroup) {
        throw ec2Error(
          'RulesPerSecurityGroupLimitExceeded',
          `The maximum number of rules per security group has been reached (${this.#rulesPerGroup} ${egress ? 'outbound' : 'inbound'}${ipv6 ? ' IPv6' : ''} rules).`,
        );
      }
    }
    return wanted.map((rule) =>
      this.#ruleView(
        this.#insert(
          group,
          egress,
          rule.protocol,
          rule.fromPort,
          rule.toPort,
          rule.peer,
          rule.description,
        ),
      ),
    );
  }

  /**
   * RevokeSecurityGroupIngress/Egress by permissions or by rule ids: every rule must exist
   * (`InvalidPermission.NotFound`, `InvalidSecurityGroupRuleId.NotFound`), else nothing is removed.
   */
  revoke(
    groupId: string,
    egress: boolean,
    permissions: readonly IpPermission[],
    ruleIds: readonly string[],
  ): void {
    const group = this.#group(groupId);
    const byKey = new Map(
      group.rules.filter((r) => r.egress === egress).map((r) => [ruleKey(r), r]),
    );
    const doomed = new Set<RuleRecord>();
    for (const rule of this.#expand(group, egress, permissions)) {
      const found = byKey.get(ruleKey(rule));
      if (found === undefined) {
        throw ec2Error(
          'InvalidPermission.NotFound',
          `The specified rule does not exist in this security group (peer: ${peerText(rule.peer)}, ${rule.protocol}, ${rule.fromPort}-${rule.toPort}).`,
        );
      }
      doomed.add(found);
    }
    for (const id of ruleIds) {
      const found = this.#rules.get(id);
      if (found?.groupId !== groupId || found.egress !== egress) {
        throw ec2Error(
          'InvalidSecurityGroupRuleId.NotFound',
          `The security group rule ID '${id}' does not exist in ${groupId}`,
        );
      }
      doomed.add(found);
    }
    if (doomed.size === 0) {
      throw ec2Error(
        'MissingParameter',
        'Either IpPermissions or SecurityGroupRuleIds is required',
      );
    }
    group.rules = group.rules.filter((rule) => !doomed.has(rule));
    for (const rule of doomed) this.#rules.delete(rule.id);
  }

  /**
   * CreateTags / DeleteTags on a group: `set` merges, `remove` deletes keys (only when the
   * value matches, for entries with a value). At most 50 tags (`TagLimitExceeded`).
   */
  retag(
    groupId: string,
    set: Readonly<Record<string, string>>,
    remove: readonly { key: string; value?: string | undefined }[],
  ): void {
    const group = this.#group(groupId);
    const merged = { ...group.tags, ...set };
    const doomed = (key: string, value: string): boolean =>
      remove.some((tag) => tag.key === key && (tag.value === undefined || tag.value === value));
    const tags = Object.fromEntries(Object.entries(merged).filter(([k, v]) => !doomed(k, v)));
    if (Object.keys(tags).length > 50) {
      throw ec2Error('TagLimitExceeded', `Security group ${groupId} would have more than 50 tags`);
    }
    group.tags = tags;
  }

  /** Every group with its rules, in creation order, as describe-security-groups prints them. */
  views(): FakeSecurityGroup[] {
    return [...this.#groups.values()].map((group) => ({
      GroupId: group.id,
      GroupName: group.name,
      Description: group.description,
      VpcId: group.vpcId,
      OwnerId: this.ownerId,
      IpPermissions: permissionsOf(
        group.rules.filter((r) => !r.egress),
        this.ownerId,
      ),
      IpPermissionsEgress: permissionsOf(
        group.rules.filter((r) => r.egress),
        this.ownerId,
      ),
      Tags: Object.entries(group.tags).map(([Key, Value]) => ({ Key, Value })),
    }));
  }

  /** Every rule, by group creation order then rule order. */
  ruleViews(): FakeSecurityGroupRule[] {
    return [...this.#groups.values()].flatMap((group) => group.rules.map((r) => this.#ruleView(r)));
  }

  #group(groupId: string): GroupRecord {
    const given: unknown = groupId;
    if (typeof given !== 'string' || groupId.length === 0) {
      throw ec2Error('MissingParameter', 'The request must contain the parameter GroupId');
    }
    if (!/^sg-(?:[0-9a-f]{8}|[0-9a-f]{17})$/.test(groupId)) {
      throw ec2Error('InvalidGroupId.Malformed', `Invalid id: "${groupId}" (expecting "sg-...")`);
    }
    const group = this.#groups.get(groupId);
    if (group === undefined) {
      throw ec2Error('InvalidGroup.NotFound', `The security group '${groupId}' does not exist`);
    }
    return group;
  }

  /** One rule per peer of each permission, validated and normalised. */
  #expand(
    group: GroupRecord,
    egress: boolean,
    permissions: readonly IpPermission[],
  ): Omit<RuleRecord, 'id'>[] {
    const out: Omit<RuleRecord, 'id'>[] = [];
    for (const permission of permissions) {
      const { protocol, fromPort, toPort } = normalisePorts(permission);
      const peers: { peer: Peer; description: string | undefined }[] = [];
      for (const range of permission.IpRanges ?? []) {
        const block = parseIpv4Cidr(text(range.CidrIp));
        if (block === null) {
          throw ec2Error('InvalidParameterValue', `CIDR block ${text(range.CidrIp)} is malformed`);
        }
        peers.push({
          peer: { kind: 'ipv4', cidr: `${formatIpv4(block.base)}/${block.prefix}` },
          description: range.Description,
        });
      }
      for (const range of permission.Ipv6Ranges ?? []) {
        const block = parseIpv6Cidr(text(range.CidrIpv6).toLowerCase());
        if (block === null) {
          throw ec2Error(
            'InvalidParameterValue',
            `CIDR block ${text(range.CidrIpv6)} is malformed`,
          );
        }
        peers.push({
          peer: { kind: 'ipv6', cidr: `${formatIpv6(block.base)}/${block.prefix}` },
          description: range.Description,
        });
      }
      for (const pair of permission.UserIdGroupPairs ?? []) {
        const referenced = this.#group(pair.GroupId);
        if (referenced.vpcId !== group.vpcId) {
          throw ec2Error(
            'InvalidGroup.NotFound',
            `You have specified two resources that belong to different networks (${referenced.id} is in ${referenced.vpcId}).`,
          );
        }
        peers.push({
          peer: { kind: 'group', groupId: referenced.id },
          description: pair.Description,
        });
      }
      if (peers.length === 0) {
        throw ec2Error(
          'InvalidParameterValue',
          'The request must contain at least one of IpRanges, Ipv6Ranges or UserIdGroupPairs',
        );
      }
      for (const { peer, description } of peers) {
        if (
          description !== undefined &&
          (typeof description !== 'string' || description.length > 255)
        ) {
          throw ec2Error(
            'InvalidParameterValue',
            'Rule description must be at most 255 characters',
          );
        }
        out.push({ groupId: group.id, egress, protocol, fromPort, toPort, peer, description });
      }
    }
    if (out.length === 0 && permissions.length > 0) {
      throw ec2Error('InvalidParameterValue', 'The request holds no rule');
    }
    return out;
  }

  #insert(
    group: GroupRecord,
    egress: boolean,
    protocol: string,
    fromPort: number,
    toPort: number,
    peer: Peer,
    description: string | undefined,
  ): RuleRecord {
    let id: string;
    do id = `sgr-${this.#random.hex(17)}`;
    while (this.#rules.has(id));
    const rule: RuleRecord = {
      id,
      groupId: group.id,
      egress,
      protocol,
      fromPort,
      toPort,
      peer,
      description,
    };
    group.rules.push(rule);
    this.#rules.set(id, rule);
    return rule;
  }

  #ruleView(rule: RuleRecord): FakeSecurityGroupRule {
    const view: FakeSecurityGroupRule = {
      SecurityGroupRuleId: rule.id,
      GroupId: rule.groupId,
      GroupOwnerId: this.ownerId,
      IsEgress: rule.egress,
      IpProtocol: rule.protocol,
      FromPort: rule.fromPort,
      ToPort: rule.toPort,
    };
    if (rule.peer.kind === 'ipv4') view.CidrIpv4 = rule.peer.cidr;
    else if (rule.peer.kind === 'ipv6') view.CidrIpv6 = rule.peer.cidr;
    else view.ReferencedGroupInfo = { GroupId: rule.peer.groupId, UserId: this.ownerId };
    if (rule.description !== undefined) view.Description = rule.description;
    return view;
  }
}

/** EC2's protocol and port checks; ports are -1 for protocols without them. */
function normalisePorts(permission: IpPermission): {
  protocol: string;
  fromPort: number;
  toPort: number;
} {
  const given: unknown = permission.IpProtocol;
  if (typeof given !== 'string' || given.length === 0) {
    throw ec2Error('MissingParameter', 'The request must contain the parameter IpProtocol');
  }
  const lower = given.toLowerCase();
  const protocol = PROTOCOL_NAMES[lower] ?? lower;
  const known = ['tcp', 'udp', 'icmp', 'icmpv6', '-1'].includes(protocol);
  if (!known && !(/^\d{1,3}$/.test(protocol) && Number(protocol) <= 255)) {
    throw ec2Error(
      'InvalidParameterValue',
      `Invalid value '${given}' for IP protocol. Unknown protocol.`,
    );
  }
  const from = permission.FromPort;
  const to = permission.ToPort;
  if (protocol === 'tcp' || protocol === 'udp') {
    if (from === undefined || to === undefined) {
      throw ec2Error(
        'InvalidParameterValue',
        "Invalid value 'Must specify both from and to ports with TCP/UDP.' for portRange",
      );
    }
    for (const port of [from, to]) {
      if (!Number.isInteger(port) || port < 0 || port > 65535) {
        throw ec2Error(
          'InvalidParameterValue',
          `Invalid value '${String(port)}' for portRange. Ports must be 0 … 65535.`,
        );
      }
    }
    if (from > to) throw ec2Error('InvalidParameterValue', 'Invalid TCP/UDP port range');
    return { protocol, fromPort: from, toPort: to };
  }
  if (protocol === 'icmp' || protocol === 'icmpv6') {
    const type = from ?? -1;
    const code = to ?? -1;
    for (const value of [type, code]) {
      if (!Number.isInteger(value) || value < -1 || value > 255) {
        throw ec2Error(
          'InvalidParameterValue',
          `Invalid value '${String(value)}' for ICMP type or code`,
        );
      }
    }
    if (type === -1 && code !== -1) {
      throw ec2Error('InvalidParameterValue', 'ICMP code must be -1 when the ICMP type is -1');
    }
    return { protocol, fromPort: type, toPort: code };
  }
  return { protocol, fromPort: -1, toPort: -1 };
}

function ruleKey(rule: Omit<RuleRecord, 'id'>): string {
  const peer = rule.peer.kind === 'group' ? `g:${rule.peer.groupId}` : `c:${rule.peer.cidr}`;
  return `${rule.egress ? 'e' : 'i'}|${rule.protocol}|${rule.fromPort}|${rule.toPort}|${peer}`;
}

function peerText(peer: Peer): string {
  return peer.kind === 'group' ? peer.groupId : peer.cidr;
}

/** Rules merged into permissions by protocol and port range, in the order first seen. */
function permissionsOf(rules: readonly RuleRecord[], ownerId: string): IpPermission[] {
  const byRange = new Map<string, IpPermission>();
  for (const rule of rules) {
    const key = `${rule.protocol}|${rule.fromPort}|${rule.toPort}`;
    let permission = byRange.get(key);
    if (permission === undefined) {
      permission = {
        IpProtocol: rule.protocol,
        IpRanges: [],
        Ipv6Ranges: [],
        UserIdGroupPairs: [],
      };
      if (rule.protocol !== '-1') {
        permission.FromPort = rule.fromPort;
        permission.ToPort = rule.toPort;
      }
      byRange.set(key, permission);
    }
    const described = rule.description === undefined ? {} : { Description: rule.description };
    if (rule.peer.kind === 'ipv4')
      permission.IpRanges?.push({ CidrIp: rule.peer.cidr, ...described });
    else if (rule.peer.kind === 'ipv6') {
      permission.Ipv6Ranges?.push({ CidrIpv6: rule.peer.cidr, ...described });
    } else {
      permission.UserIdGroupPairs?.push({
        GroupId: rule.peer.groupId,
        UserId: ownerId,
        ...described,
      });
    }
  }
  return [...byRange.values()];
}

/** A caller's value as text, when TypeScript's types were not honoured (JavaScript callers). */
function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}
