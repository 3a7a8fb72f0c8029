import { PolicyValidationError, type ValidationIssue } from '../../errors/PolicyValidationError.js';
import {
  describeJsonType,
  isJsonObject,
  showJsonValue as show,
} from '../../calculations/jsonShapes.js';
import { SECURITY_GROUP_ID } from '../../calculations/parseSecurityGroupPolicy.js';
import type {
  CidrPeer,
  GroupPeer,
  PermissionTraffic,
  SecurityGroup,
  SecurityGroupPermission,
} from '../models/SecurityGroup.js';
import { parseIpRange } from './ipRanges.js';

const PROTOCOL_NAMES: Readonly<Record<string, PermissionTraffic['protocol']>> = {
  '-1': 'all',
  tcp: 'tcp',
  '6': 'tcp',
  udp: 'udp',
  '17': 'udp',
  icmp: 'icmp',
  '1': 'icmp',
  icmpv6: 'icmpv6',
  '58': 'icmpv6',
};
const PREFIX_LIST_ID = /^pl-[0-9a-f]{8,17}$/;

/**
 * Validates security groups in the shape `aws ec2 describe-security-groups` prints
 * (`{"SecurityGroups": [{GroupId, GroupName, VpcId, IpPermissions, IpPermissionsEgress}]}`) and
 * returns them normalised. Fields it does not use (`Description`, `OwnerId`, `Tags`, …) are
 * ignored; `IpProtocol` numbers 6, 17, 1 and 58 read as tcp, udp, icmp and icmpv6.
 *
 * @throws PolicyValidationError of kind `InvalidSecurityGroups`, listing every issue with its
 * path (`SecurityGroups[0].IpPermissions[1].FromPort`)
 */
export function parseSecurityGroups(input: unknown): SecurityGroup[] {
  const issues: ValidationIssue[] = [];
  const fail = (path: string, message: string): null => {
    issues.push({ path, message });
    return null;
  };
  const groups: SecurityGroup[] = [];
  const list = isJsonObject(input) ? input['SecurityGroups'] : undefined;
  if (!isJsonObject(input)) fail('<root>', `must be an object, got ${describeJsonType(input)}`);
  else if (!Array.isArray(list)) {
    fail('SecurityGroups', `must be an array, got ${show(list)}`);
  } else {
    const seen = new Set<string>();
    list.forEach((entry: unknown, index) => {
      const group = readGroup(entry, `SecurityGroups[${index}]`, fail);
      if (group === null) return;
      if (seen.has(group.groupId)) {
        fail(`SecurityGroups[${index}].GroupId`, `${group.groupId} is listed twice`);
      }
      seen.add(group.groupId);
      groups.push(group);
    });
  }
  if (issues.length > 0) {
    throw new PolicyValidationError('InvalidSecurityGroups', 'security groups', issues);
  }
  return groups;
}

type Fail = (path: string, message: string) => null;

function readGroup(entry: unknown, at: string, fail: Fail): SecurityGroup | null {
  if (!isJsonObject(entry)) return fail(at, `must be an object, got ${describeJsonType(entry)}`);
  const groupId = readGroupId(entry['GroupId'], `${at}.GroupId`, fail);
  const groupName = optionalString(entry['GroupName'], `${at}.GroupName`, fail);
  const vpcId = optionalString(entry['VpcId'], `${at}.VpcId`, fail);
  const ingress = readPermissions(entry['IpPermissions'], `${at}.IpPermissions`, fail);
  const egress = readPermissions(entry['IpPermissionsEgress'], `${at}.IpPermissionsEgress`, fail);
  if (groupId === null || ingress === null || egress === null) return null;
  return { groupId, groupName, vpcId, ingress, egress };
}

function readPermissions(value: unknown, at: string, fail: Fail): SecurityGroupPermission[] | null {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) return fail(at, `must be an array, got ${describeJsonType(value)}`);
  const permissions = value.map((entry: unknown, index) =>
    readPermission(entry, `${at}[${index}]`, fail),
  );
  return permissions.every((permission) => permission !== null) ? permissions : null;
}

function readPermission(entry: unknown, at: string, fail: Fail): SecurityGroupPermission | null {
  if (!isJsonObject(entry)) return fail(at, `must be an object, got ${describeJsonType(entry)}`);
  const traffic = readTraffic(entry, at, fail);
  const ipv4Ranges = readList(entry['IpRanges'], `${at}.IpRanges`, fail, (item, path) =>
    readCidrPeer(item, path, 'CidrIp', 4, fail),
  );
  const ipv6Ranges = readList(entry['Ipv6Ranges'], `${at}.Ipv6Ranges`, fail, (item, path) =>
    readCidrPeer(item, path, 'CidrIpv6', 6, fail),
  );
  const groupPairs = readList(
    entry['UserIdGroupPairs'],
    `${at}.UserIdGroupPairs`,
    fail,
    (item, path): GroupPeer | null => {
      if (!isJsonObject(item))
        return fail(path, `must be an object, got ${describeJsonType(item)}`);
      const groupId = readGroupId(item['GroupId'], `${path}.GroupId`, fail);
      const userId = optionalString(item['UserId'], `${path}.UserId`, fail);
      const description = optionalString(item['Description'], `${path}.Description`, fail);
      return groupId === null ? null : { groupId, userId, description };
    },
  );
  const prefixListIds = readList(
    entry['PrefixListIds'],
    `${at}.PrefixListIds`,
    fail,
    (item, path): string | null => {
      const id = isJsonObject(item) ? item['PrefixListId'] : undefined;
      if (typeof id === 'string' && PREFIX_LIST_ID.test(id)) return id;
      return isJsonObject(item)
        ? fail(`${path}.PrefixListId`, `must be "pl-" followed by hex digits, got ${show(id)}`)
        : fail(path, `must be an object, got ${describeJsonType(item)}`);
    },
  );
  if (
    traffic === null ||
    ipv4Ranges === null ||
    ipv6Ranges === null ||
    groupPairs === null ||
    prefixListIds === null
  ) {
    return null;
  }
  return { traffic, ipv4Ranges, ipv6Ranges, groupPairs, prefixListIds };
}

function readTraffic(
  entry: Readonly<Record<string, unknown>>,
  at: string,
  fail: Fail,
): PermissionTraffic | null {
  const raw = entry['IpProtocol'];
  if (typeof raw !== 'string') {
    return fail(`${at}.IpProtocol`, `must be a string such as "tcp" or "-1", got ${show(raw)}`);
  }
  const name = raw.toLowerCase();
  const protocol =
    PROTOCOL_NAMES[name] ?? (/^(0|[1-9][0-9]{0,2})$/.test(name) ? Number(name) : undefined);
  if (protocol === undefined || (typeof protocol === 'number' && protocol > 255)) {
    return fail(
      `${at}.IpProtocol`,
      `must be tcp, udp, icmp, icmpv6, -1 (all) or a protocol number 0-255, got ${show(raw)}`,
    );
  }
  if (protocol === 'tcp' || protocol === 'udp') {
    const fromPort = readPort(entry['FromPort'], `${at}.FromPort`, 0, 65535, fail);
    const toPort = readPort(entry['ToPort'], `${at}.ToPort`, 0, 65535, fail);
    if (fromPort === null || toPort === null) return null;
    if (fromPort > toPort) {
      return fail(`${at}.ToPort`, `must not be below FromPort (${fromPort}), got ${toPort}`);
    }
    return { protocol, fromPort, toPort };
  }
  if (protocol === 'icmp' || protocol === 'icmpv6') {
    const icmpType = readPort(entry['FromPort'], `${at}.FromPort`, -1, 255, fail);
    const icmpCode = readPort(entry['ToPort'], `${at}.ToPort`, -1, 255, fail);
    if (icmpType === null || icmpCode === null) return null;
    if (icmpType === -1 && icmpCode !== -1) {
      return fail(`${at}.ToPort`, `must be -1 (all codes) when FromPort is -1 (all types)`);
    }
    return {
      protocol,
      icmpType: icmpType === -1 ? null : icmpType,
      icmpCode: icmpCode === -1 ? null : icmpCode,
    };
  }
  // EC2 ignores ports for -1 and for protocols without them.
  return { protocol };
}

function readPort(value: unknown, at: string, min: number, max: number, fail: Fail): number | null {
  if (typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max) {
    return value;
  }
  return fail(at, `must be an integer from ${min} to ${max}, got ${show(value)}`);
}

function readCidrPeer(
  item: unknown,
  at: string,
  key: 'CidrIp' | 'CidrIpv6',
  family: 4 | 6,
  fail: Fail,
): CidrPeer | null {
  if (!isJsonObject(item)) return fail(at, `must be an object, got ${describeJsonType(item)}`);
  const cidr = item[key];
  const description = optionalString(item['Description'], `${at}.Description`, fail);
  const range = typeof cidr === 'string' ? parseIpRange(cidr) : null;
  if (range?.family !== family) {
    return fail(
      `${at}.${key}`,
      `must be an IPv${family} CIDR such as ${family === 4 ? '10.0.0.0/16' : '2600:1f14::/56'}, got ${show(cidr)}`,
    );
  }
  return typeof cidr === 'string' ? { cidr, description } : null;
}

function readList<T>(
  value: unknown,
  at: string,
  fail: Fail,
  readItem: (item: unknown, path: string) => T | null,
): T[] | null {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) return fail(at, `must be an array, got ${describeJsonType(value)}`);
  const items = value.map((item: unknown, index) => readItem(item, `${at}[${index}]`));
  return items.every((item) => item !== null) ? items : null;
}

function readGroupId(value: unknown, at: string, fail: Fail): string | null {
  if (typeof value === 'string' && SECURITY_GROUP_ID.test(value)) return value;
  return fail(at, `must be "sg-" followed by 8 or 17 lowercase hex digits, got ${show(value)}`);
}

function optionalString(value: unknown, at: string, fail: Fail): string | null {
  if (value === undefined || value === null) return null;
  return typeof value === 'string' ? value : fail(at, `must be a string, got ${show(value)}`);
}
