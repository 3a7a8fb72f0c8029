import {
  describeJsonType,
  isJsonObject,
  showJsonValue as show,
} from '../../calculations/jsonShapes.js';
import { SECURITY_GROUP_ID } from '../../calculations/parseSecurityGroupPolicy.js';
import { PolicyValidationError, type ValidationIssue } from '../../errors/PolicyValidationError.js';
import type { ModelledInterface } from '../models/ReachabilityQuery.js';
import { parseIpValue } from './ipRanges.js';

const NETWORK_INTERFACE_ID = /^eni-([0-9a-f]{8}|[0-9a-f]{17})$/;

/**
 * Reads the `NetworkInterfaces` of `aws ec2 describe-network-interfaces` output as modelled
 * interfaces: id `NetworkInterfaceId`, addresses `PrivateIpAddress` (the primary) then the other
 * `PrivateIpAddresses` and the `Ipv6Addresses`, groups `Groups[].GroupId`. Other fields are
 * ignored; an input without `NetworkInterfaces` has none.
 *
 * @throws PolicyValidationError of kind `InvalidNetworkInterfaces`, listing every issue with its
 * path (`NetworkInterfaces[0].Groups[1].GroupId`)
 */
export function parseNetworkInterfaces(input: unknown): ModelledInterface[] {
  const issues: ValidationIssue[] = [];
  const list = isJsonObject(input) ? input['NetworkInterfaces'] : undefined;
  const interfaces: ModelledInterface[] = [];
  if (!isJsonObject(input)) {
    issues.push({ path: '<root>', message: `must be an object, got ${describeJsonType(input)}` });
  } else if (list !== undefined && !Array.isArray(list)) {
    issues.push({
      path: 'NetworkInterfaces',
      message: `must be an array, got ${describeJsonType(list)}`,
    });
  } else {
    (list ?? []).forEach((entry: unknown, index) => {
      const parsed = readInterface(entry, `NetworkInterfaces[${index}]`, issues);
      if (parsed !== null) interfaces.push(parsed);
    });
  }
  if (issues.length > 0) {
    throw new PolicyValidationError('InvalidNetworkInterfaces', 'network interfaces', issues);
  }
  return interfaces;
}

function readInterface(
  entry: unknown,
  at: string,
  issues: ValidationIssue[],
): ModelledInterface | null {
  const before = issues.length;
  const fail = (path: string, message: string): void => {
    issues.push({ path, message });
  };
  if (!isJsonObject(entry)) {
    fail(at, `must be an object, got ${describeJsonType(entry)}`);
    return null;
  }
  const id = entry['NetworkInterfaceId'];
  if (typeof id !== 'string' || !NETWORK_INTERFACE_ID.test(id)) {
    fail(
      `${at}.NetworkInterfaceId`,
      `must be "eni-" followed by 8 or 17 lowercase hex digits, got ${show(id)}`,
    );
  }
  const addresses: string[] = [];
  const address = (value: unknown, path: string, family: 4 | 6): void => {
    if (typeof value === 'string' && parseIpValue(value)?.family === family) {
      if (!addresses.includes(value)) addresses.push(value);
    } else {
      fail(path, `must be an IPv${family} address, got ${show(value)}`);
    }
  };
  if (entry['PrivateIpAddress'] !== undefined) {
    address(entry['PrivateIpAddress'], `${at}.PrivateIpAddress`, 4);
  }
  eachOf(entry['PrivateIpAddresses'], `${at}.PrivateIpAddresses`, fail, (item, path) => {
    address(item['PrivateIpAddress'], `${path}.PrivateIpAddress`, 4);
  });
  eachOf(entry['Ipv6Addresses'], `${at}.Ipv6Addresses`, fail, (item, path) => {
    address(item['Ipv6Address'], `${path}.Ipv6Address`, 6);
  });
  const groupIds: string[] = [];
  if (!Array.isArray(entry['Groups'])) {
    fail(`${at}.Groups`, `must be an array of {GroupId}, got ${show(entry['Groups'])}`);
  }
  eachOf(entry['Groups'], `${at}.Groups`, fail, (item, path) => {
    const groupId = item['GroupId'];
    if (typeof groupId === 'string' && SECURITY_GROUP_ID.test(groupId)) groupIds.push(groupId);
    else
      fail(
        `${path}.GroupId`,
        `must be "sg-" followed by 8 or 17 lowercase hex digits, got ${show(groupId)}`,
      );
  });
  return issues.length === before && typeof id === 'string' ? { id, addresses, groupIds } : null;
}

function eachOf(
  value: unknown,
  at: string,
  fail: (path: string, message: string) => void,
  read: (item: Readonly<Record<string, unknown>>, path: string) => void,
): void {
  if (value === undefined || value === null) return;
  if (!Array.isArray(value)) {
    fail(at, `must be an array, got ${describeJsonType(value)}`);
    return;
  }
  value.forEach((item: unknown, index) => {
    if (isJsonObject(item)) read(item, `${at}[${index}]`);
    else fail(`${at}[${index}]`, `must be an object, got ${describeJsonType(item)}`);
  });
}
