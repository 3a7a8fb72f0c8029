import { ec2Error } from '../internal/ec2Error.js';
import type {
  FakeSecurityGroup,
  FakeSecurityGroupRule,
  IpPermission,
} from '../models/FakeSecurityGroup.js';
import type { Ec2ActionContext, Ec2ActionHandler } from './Ec2ActionHandler.js';
import { tagSpecifications } from './networkInterfaceActions.js';
import { applyFilters, pageOf, refuseIdsWithPaging } from './queryPaging.js';
import type { QueryParams } from './QueryParams.js';
import type { XmlElement } from './renderXml.js';

function permissionXml(permission: IpPermission): XmlElement {
  return {
    ipProtocol: permission.IpProtocol,
    fromPort: permission.FromPort,
    toPort: permission.ToPort,
    groups: (permission.UserIdGroupPairs ?? []).map((pair) => ({
      userId: pair.UserId,
      groupId: pair.GroupId,
      description: pair.Description,
    })),
    ipRanges: (permission.IpRanges ?? []).map((r) => ({
      cidrIp: r.CidrIp,
      description: r.Description,
    })),
    ipv6Ranges: (permission.Ipv6Ranges ?? []).map((r) => ({
      cidrIpv6: r.CidrIpv6,
      description: r.Description,
    })),
    prefixListIds: [],
  };
}

function groupXml(group: FakeSecurityGroup, region: string): XmlElement {
  return {
    ownerId: group.OwnerId,
    groupId: group.GroupId,
    groupName: group.GroupName,
    groupDescription: group.Description,
    ipPermissions: group.IpPermissions.map(permissionXml),
    ipPermissionsEgress: group.IpPermissionsEgress.map(permissionXml),
    vpcId: group.VpcId,
    securityGroupArn: `arn:aws:ec2:${region}:${group.OwnerId}:security-group/${group.GroupId}`,
    tagSet: group.Tags.map((t) => ({ key: t.Key, value: t.Value })),
  };
}

function ruleXml(rule: FakeSecurityGroupRule, region: string): XmlElement {
  return {
    securityGroupRuleId: rule.SecurityGroupRuleId,
    groupId: rule.GroupId,
    groupOwnerId: rule.GroupOwnerId,
    isEgress: rule.IsEgress,
    ipProtocol: rule.IpProtocol,
    fromPort: rule.FromPort,
    toPort: rule.ToPort,
    cidrIpv4: rule.CidrIpv4,
    cidrIpv6: rule.CidrIpv6,
    referencedGroupInfo:
      rule.ReferencedGroupInfo === undefined
        ? undefined
        : { groupId: rule.ReferencedGroupInfo.GroupId, userId: rule.ReferencedGroupInfo.UserId },
    description: rule.Description,
    tagSet: [],
    securityGroupRuleArn: `arn:aws:ec2:${region}:${rule.GroupOwnerId}:security-group-rule/${rule.SecurityGroupRuleId}`,
  };
}

/** The group a request names by `GroupId`, or by `GroupName` in the fake's VPC. */
function targetGroup(context: Ec2ActionContext): string {
  const { params } = context;
  const id = params.string('GroupId');
  if (id !== undefined && id !== '') return id;
  const name = params.string('GroupName');
  if (name === undefined || name === '') {
    throw ec2Error(
      'MissingParameter',
      'The request must contain the parameter GroupId or GroupName',
    );
  }
  const group = context.ec2
    .securityGroups()
    .find((g) => g.GroupName === name && g.VpcId === context.ec2.defaultVpcId);
  if (group === undefined) {
    throw ec2Error(
      'InvalidGroup.NotFound',
      `The security group '${name}' does not exist in default VPC`,
    );
  }
  return group.GroupId;
}

function optionalPort(params: QueryParams, name: string): number | undefined {
  return params.integer(name, -1, 65535);
}

/** `IpPermissions.N.*`, or the legacy flat `IpProtocol`/`FromPort`/`ToPort`/`CidrIp` form. */
function permissionsOf(params: QueryParams): IpPermission[] {
  const permissions = params.structures('IpPermissions').map((p) => {
    const permission: IpPermission = {
      IpProtocol: p.string('IpProtocol') ?? '',
      IpRanges: p.structures('IpRanges').map((r) => ({
        CidrIp: r.required('CidrIp'),
        ...optionalDescription(r),
      })),
      Ipv6Ranges: p.structures('Ipv6Ranges').map((r) => ({
        CidrIpv6: r.required('CidrIpv6'),
        ...optionalDescription(r),
      })),
      UserIdGroupPairs: p.structures('Groups').map((g) => ({
        GroupId: g.required('GroupId'),
        ...optionalDescription(g),
      })),
    };
    if (p.structures('PrefixListIds').length > 0) {
      throw ec2Error('InvalidParameterValue', 'This emulator does not model prefix lists');
    }
    const from = optionalPort(p, 'FromPort');
    const to = optionalPort(p, 'ToPort');
    if (from !== undefined) permission.FromPort = from;
    if (to !== undefined) permission.ToPort = to;
    return permission;
  });
  const flatProtocol = params.string('IpProtocol');
  if (flatProtocol !== undefined) {
    const cidr = params.string('CidrIp');
    const source = params.string('SourceSecurityGroupId');
    const permission: IpPermission = {
      IpProtocol: flatProtocol,
      IpRanges: cidr === undefined ? [] : [{ CidrIp: cidr }],
      UserIdGroupPairs: source === undefined ? [] : [{ GroupId: source }],
    };
    const from = optionalPort(params, 'FromPort');
    const to = optionalPort(params, 'ToPort');
    if (from !== undefined) permission.FromPort = from;
    if (to !== undefined) permission.ToPort = to;
    permissions.push(permission);
  }
  return permissions;
}

function optionalDescription(params: QueryParams): { Description?: string } {
  const description = params.string('Description');
  return description === undefined ? {} : { Description: description };
}

const describeSecurityGroups: Ec2ActionHandler = (context) => {
  const { params, ec2 } = context;
  const ids = params.list('GroupId');
  const names = params.list('GroupName');
  refuseIdsWithPaging(params, [...ids, ...names], 'GroupId');
  const filters = params.filters();
  const groups = ec2.securityGroups();
  for (const id of ids) {
    if (!/^sg-(?:[0-9a-f]{8}|[0-9a-f]{17})$/.test(id)) {
      throw ec2Error('InvalidGroupId.Malformed', `Invalid id: "${id}" (expecting "sg-...")`);
    }
    if (!groups.some((g) => g.GroupId === id)) {
      throw ec2Error('InvalidGroup.NotFound', `The security group '${id}' does not exist`);
    }
  }
  for (const name of names) {
    if (!groups.some((g) => g.GroupName === name)) {
      throw ec2Error('InvalidGroup.NotFound', `The security group '${name}' does not exist`);
    }
  }
  const selected = groups.filter(
    (g) =>
      (ids.length === 0 || ids.includes(g.GroupId)) &&
      (names.length === 0 || names.includes(g.GroupName)),
  );
  const peersOf = (g: FakeSecurityGroup, egress: boolean): IpPermission[] =>
    egress ? g.IpPermissionsEgress : g.IpPermissions;
  const matching = applyFilters(
    selected,
    filters,
    {
      'group-id': (g) => [g.GroupId],
      'group-name': (g) => [g.GroupName],
      description: (g) => [g.Description],
      'vpc-id': (g) => [g.VpcId],
      'owner-id': (g) => [g.OwnerId],
      'ip-permission.group-id': (g) =>
        peersOf(g, false).flatMap((p) => (p.UserIdGroupPairs ?? []).map((u) => u.GroupId)),
      'ip-permission.cidr': (g) =>
        peersOf(g, false).flatMap((p) => (p.IpRanges ?? []).map((r) => r.CidrIp)),
      'egress.ip-permission.group-id': (g) =>
        peersOf(g, true).flatMap((p) => (p.UserIdGroupPairs ?? []).map((u) => u.GroupId)),
      'egress.ip-permission.cidr': (g) =>
        peersOf(g, true).flatMap((p) => (p.IpRanges ?? []).map((r) => r.CidrIp)),
    },
    (g) => Object.fromEntries(g.Tags.map((t) => [t.Key, t.Value])),
  );
  const { page, nextToken } = pageOf(matching, (g) => g.GroupId, params, {
    action: 'DescribeSecurityGroups',
    min: 5,
    max: 1000,
  });
  return Promise.resolve({
    securityGroupInfo: page.map((g) => groupXml(g, context.region)),
    nextToken,
  });
};

const describeSecurityGroupRules: Ec2ActionHandler = (context) => {
  const { params, ec2 } = context;
  const ids = params.list('SecurityGroupRuleId');
  refuseIdsWithPaging(params, ids, 'SecurityGroupRuleId');
  const filters = params.filters();
  const rules = ec2.securityGroupRules();
  for (const id of ids) {
    if (!rules.some((r) => r.SecurityGroupRuleId === id)) {
      throw ec2Error(
        'InvalidSecurityGroupRuleId.NotFound',
        `The security group rule ID '${id}' does not exist`,
      );
    }
  }
  const matching = applyFilters(
    rules.filter((r) => ids.length === 0 || ids.includes(r.SecurityGroupRuleId)),
    filters,
    {
      'group-id': (r) => [r.GroupId],
      'security-group-rule-id': (r) => [r.SecurityGroupRuleId],
    },
    () => ({}),
  );
  const { page, nextToken } = pageOf(matching, (r) => r.SecurityGroupRuleId, params, {
    action: 'DescribeSecurityGroupRules',
    min: 5,
    max: 1000,
  });
  return Promise.resolve({
    securityGroupRuleSet: page.map((r) => ruleXml(r, context.region)),
    nextToken,
  });
};

const createSecurityGroup: Ec2ActionHandler = (context) => {
  const { params, ec2 } = context;
  const vpcId = params.string('VpcId');
  const { groupId } = ec2.createSecurityGroup({
    groupName: params.required('GroupName'),
    description: params.string('GroupDescription') ?? missing('GroupDescription'),
    tags: tagSpecifications(params, 'security-group'),
    ...(vpcId === undefined ? {} : { vpcId }),
  });
  const group = ec2.securityGroups().find((g) => g.GroupId === groupId);
  return Promise.resolve({
    return: true,
    groupId,
    securityGroupArn: `arn:aws:ec2:${context.region}:${ec2.accountId}:security-group/${groupId}`,
    tagSet: (group?.Tags ?? []).map((t) => ({ key: t.Key, value: t.Value })),
  });
};

function missing(name: string): never {
  throw ec2Error('MissingParameter', `The request must contain the parameter ${name}`);
}

const deleteSecurityGroup: Ec2ActionHandler = (context) => {
  const groupId = targetGroup(context);
  context.ec2.removeSecurityGroup(groupId);
  return Promise.resolve({ return: true, groupId });
};

function authorize(egress: boolean): Ec2ActionHandler {
  return (context) => {
    const groupId = targetGroup(context);
    const permissions = permissionsOf(context.params);
    if (permissions.length === 0) missing('IpPermissions');
    const rules = context.ec2.authorizeSecurityGroupRules(groupId, egress, permissions);
    return Promise.resolve({
      return: true,
      securityGroupRuleSet: rules.map((r) => ruleXml(r, context.region)),
    });
  };
}

function revoke(egress: boolean): Ec2ActionHandler {
  return (context) => {
    const groupId = targetGroup(context);
    const ruleIds = context.params.list('SecurityGroupRuleId');
    const permissions = permissionsOf(context.params);
    if (permissions.length === 0 && ruleIds.length === 0) missing('IpPermissions');
    context.ec2.revokeSecurityGroupRules(groupId, egress, permissions, ruleIds);
    return Promise.resolve({ return: true });
  };
}

/** The security group actions of the Query front. */
export const SECURITY_GROUP_ACTIONS: Readonly<Record<string, Ec2ActionHandler>> = {
  DescribeSecurityGroups: describeSecurityGroups,
  DescribeSecurityGroupRules: describeSecurityGroupRules,
  CreateSecurityGroup: createSecurityGroup,
  DeleteSecurityGroup: deleteSecurityGroup,
  AuthorizeSecurityGroupIngress: authorize(false),
  AuthorizeSecurityGroupEgress: authorize(true),
  RevokeSecurityGroupIngress: revoke(false),
  RevokeSecurityGroupEgress: revoke(true),
};
