import { parseCidr, parseIpAddress } from '@podsg/cni';
import {
  describeRule,
  PolicyValidationError,
  type PermissionTraffic,
  type RuleDirection,
  type RulePeer,
  type SecurityGroupPermission,
  type ValidationIssue,
} from '@podsg/policy';
import type { FabricInterface, FabricRulesetInput } from './FabricRulesetInput.js';

const DEVICE_NAME = /^[A-Za-z0-9_.-]{1,15}$/;
const TABLE_NAME = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;
const COMMENT_UNSAFE = /[^A-Za-z0-9 _.,:/#()@-]/g;
const NO_GROUP_NAMES = new Map<string, string | null>();

/** One interface, checked: its addresses in canonical text, split by family. */
interface CheckedInterface {
  readonly source: FabricInterface;
  readonly index: number;
  readonly v4: readonly string[];
  readonly v6: readonly string[];
}

/**
 * Compiles the interfaces of an emulated VPC and their security groups into one nftables
 * ruleset for the router between them (a "fabric" namespace), with the semantics of
 * `evaluateReachability` from `@podsg/policy`:
 *
 * - table `inet`, one base chain on the forward hook, policy drop;
 * - stateful: `ct state established,related accept` first, so replies pass;
 * - a new flow jumps to the egress chain of its sending interface (by `iifname` when the interface
 *   has a `device`, else by source address) and then to the ingress chain of its receiving one
 *   (`oifname` or destination address); each chain holds one rule per rule of the interface's
 *   groups and ends in drop; a flow between an interface and an address outside the model is
 *   judged by the interface's side only; between two outside addresses it is dropped;
 * - referenced groups are named sets of the primary address (per family) of every interface
 *   carrying the group; prefix-list rules are left out (not modelled, they never match).
 *
 * The text replaces the table atomically (`add table`, `delete table`, `table { … }`) when fed to
 * `nft -f -`. Pure; every value is checked or generated, so nothing from the input can escape its
 * place in the file.
 *
 * @throws PolicyValidationError `InvalidReachabilityQuery` naming each bad field (malformed
 * address, device or table name, an address or device on two interfaces)
 */
export function compileFabricRuleset(input: FabricRulesetInput): string {
  const table = input.tableName ?? 'podsg_vpc';
  const issues: ValidationIssue[] = [];
  if (!TABLE_NAME.test(table)) {
    issues.push({
      path: 'tableName',
      message: `${JSON.stringify(table)} is not an nft identifier`,
    });
  }
  const interfaces = checkInterfaces(input.interfaces, issues);
  input.securityGroups.forEach((group, groupIndex) => {
    for (const direction of ['ingress', 'egress'] as const) {
      group[direction].forEach((permission, permissionIndex) => {
        [...permission.ipv4Ranges, ...permission.ipv6Ranges].forEach((range) => {
          if (parseCidr(range.cidr) === null) {
            issues.push({
              path: `securityGroups[${groupIndex}].${direction}[${permissionIndex}]`,
              message: `${JSON.stringify(range.cidr)} is not a CIDR`,
            });
          }
        });
      });
    }
  });
  if (issues.length > 0) {
    throw new PolicyValidationError('InvalidReachabilityQuery', 'fabric ruleset input', issues);
  }

  const groups = new Map(input.securityGroups.map((group) => [group.groupId, group]));
  const referenced = new Set(
    input.securityGroups.flatMap((group) =>
      [...group.ingress, ...group.egress].flatMap((permission) =>
        permission.groupPairs.map((pair) => pair.groupId),
      ),
    ),
  );
  const lines: string[] = [
    `add table inet ${table}`,
    `delete table inet ${table}`,
    `table inet ${table} {`,
  ];
  for (const groupId of [...referenced].sort()) {
    for (const family of [4, 6] as const) {
      const members = interfaces
        .filter((iface) => iface.source.groupIds.includes(groupId))
        .flatMap((iface) => (family === 4 ? iface.v4 : iface.v6).slice(0, 1));
      lines.push(`\tset ${setName(groupId, family)} {`);
      lines.push(`\t\ttype ${family === 4 ? 'ipv4_addr' : 'ipv6_addr'}`);
      if (members.length > 0) lines.push(`\t\telements = { ${members.join(', ')} }`);
      lines.push(`\t\tcomment "primary IPv${family} addresses of interfaces carrying ${groupId}"`);
      lines.push('\t}');
    }
  }
  for (const iface of interfaces) {
    for (const direction of ['egress', 'ingress'] as const) {
      lines.push(`\tchain ${direction}_${iface.index} {`);
      const groupIds = [...new Set(iface.source.groupIds)];
      for (const groupId of groupIds) {
        const group = groups.get(groupId);
        (group?.[direction] ?? []).forEach((permission, permissionIndex) => {
          for (const rule of compilePermission(permission, direction)) {
            const why = `${groupId} ${direction} #${permissionIndex}: ${rule.summary}`;
            lines.push(
              `\t\t${rule.statement} counter ${direction === 'egress' ? 'return' : 'accept'} comment "${comment(why)}"`,
            );
          }
        });
      }
      lines.push(
        `\t\tcounter drop comment "${comment(`${iface.source.id}: no ${direction} rule of ${groupIds.join(' ') || 'any group'} allows it`)}"`,
      );
      lines.push('\t}');
    }
  }
  lines.push('\tchain forward {');
  lines.push('\t\ttype filter hook forward priority filter; policy drop;');
  lines.push(
    '\t\tct state established,related accept comment "stateful: replies of allowed flows"',
  );
  lines.push('\t\tct state invalid drop');
  lines.push(...dispatch(interfaces, 'egress'));
  lines.push(...dispatch(interfaces, 'ingress'));
  // Reached only by flows whose destination is outside the model: the source's egress decided.
  const byDevice = interfaces.filter((iface) => iface.source.device !== undefined);
  const byAddress = interfaces.filter((iface) => iface.source.device === undefined);
  const outside = 'comment "destination outside the model: the egress rules decided"';
  if (byDevice.length > 0) {
    lines.push(
      `\t\tiifname { ${byDevice.map((iface) => `"${iface.source.device ?? ''}"`).join(', ')} } accept ${outside}`,
    );
  }
  for (const family of [4, 6] as const) {
    const addresses = byAddress.flatMap((iface) => (family === 4 ? iface.v4 : iface.v6));
    if (addresses.length > 0) {
      lines.push(
        `\t\t${family === 4 ? 'ip' : 'ip6'} saddr { ${addresses.join(', ')} } accept ${outside}`,
      );
    }
  }
  lines.push('\t}', '}');
  return `${lines.join('\n')}\n`;
}

/** The rules jumping to each interface's chain of `direction`, keyed by device or address. */
function dispatch(interfaces: readonly CheckedInterface[], direction: RuleDirection): string[] {
  const lines: string[] = [];
  const chain = (iface: CheckedInterface): string => `jump ${direction}_${iface.index}`;
  const why = `comment "${direction}: the ${direction === 'egress' ? 'sending' : 'receiving'} interface's groups"`;
  const devices = interfaces.filter((iface) => iface.source.device !== undefined);
  if (devices.length > 0) {
    const key = direction === 'egress' ? 'iifname' : 'oifname';
    lines.push(
      `\t\t${key} vmap { ${devices.map((iface) => `"${iface.source.device ?? ''}" : ${chain(iface)}`).join(', ')} } ${why}`,
    );
  }
  for (const family of [4, 6] as const) {
    const entries = interfaces
      .filter((iface) => iface.source.device === undefined)
      .flatMap((iface) =>
        (family === 4 ? iface.v4 : iface.v6).map((address) => `${address} : ${chain(iface)}`),
      );
    if (entries.length > 0) {
      const key = `${family === 4 ? 'ip' : 'ip6'} ${direction === 'egress' ? 'saddr' : 'daddr'}`;
      lines.push(`\t\t${key} vmap { ${entries.join(', ')} } ${why}`);
    }
  }
  return lines;
}

/** The nft match of each peer of a permission, with the rule's summary. */
function compilePermission(
  permission: SecurityGroupPermission,
  direction: RuleDirection,
): { statement: string; summary: string }[] {
  const traffic = matchTraffic(permission.traffic);
  const only = trafficFamily(permission.traffic);
  const side = direction === 'egress' ? 'daddr' : 'saddr';
  const compiled: { statement: string; summary: string }[] = [];
  const add = (peer: RulePeer, family: 4 | 6, match: string): void => {
    if (only !== null && only !== family) return; // e.g. an icmp rule never matches IPv6 peers
    compiled.push({
      statement: [traffic, match].filter((part) => part !== '').join(' '),
      summary: describeRule(permission.traffic, direction, peer, NO_GROUP_NAMES),
    });
  };
  for (const range of [...permission.ipv4Ranges, ...permission.ipv6Ranges]) {
    const cidr = parseCidr(range.cidr);
    if (cidr === null) continue;
    const peer: RulePeer = { kind: 'cidr', cidr: range.cidr };
    add(
      peer,
      cidr.family,
      cidr.prefixLength === 0
        ? `meta nfproto ipv${cidr.family}`
        : `${cidr.family === 4 ? 'ip' : 'ip6'} ${side} ${cidr.address}/${cidr.prefixLength}`,
    );
  }
  for (const pair of permission.groupPairs) {
    const peer: RulePeer = { kind: 'group', groupId: pair.groupId };
    add(peer, 4, `ip ${side} @${setName(pair.groupId, 4)}`);
    add(peer, 6, `ip6 ${side} @${setName(pair.groupId, 6)}`);
  }
  return compiled;
}

function matchTraffic(traffic: PermissionTraffic): string {
  switch (traffic.protocol) {
    case 'all':
      return '';
    case 'tcp':
    case 'udp': {
      const ports =
        traffic.fromPort === traffic.toPort
          ? String(traffic.fromPort)
          : `${traffic.fromPort}-${traffic.toPort}`;
      return `${traffic.protocol} dport ${ports}`;
    }
    case 'icmp':
    case 'icmpv6':
      return [
        `meta l4proto ${traffic.protocol === 'icmp' ? 'icmp' : 'ipv6-icmp'}`,
        traffic.icmpType === null ? '' : `${traffic.protocol} type ${traffic.icmpType}`,
        traffic.icmpCode === null ? '' : `${traffic.protocol} code ${traffic.icmpCode}`,
      ]
        .filter((part) => part !== '')
        .join(' ');
    default:
      return `meta l4proto ${traffic.protocol}`;
  }
}

function trafficFamily(traffic: PermissionTraffic): 4 | 6 | null {
  return traffic.protocol === 'icmp' ? 4 : traffic.protocol === 'icmpv6' ? 6 : null;
}

function setName(groupId: string, family: 4 | 6): string {
  return `${groupId.replace('-', '_')}_v${family}`;
}

function comment(text: string): string {
  return text.replace(COMMENT_UNSAFE, '_').slice(0, 128);
}

function checkInterfaces(
  interfaces: readonly FabricInterface[],
  issues: ValidationIssue[],
): CheckedInterface[] {
  const owners = new Map<string, string>();
  const claim = (key: string, id: string, path: string, what: string): void => {
    const owner = owners.get(key);
    if (owner !== undefined && owner !== id) {
      issues.push({ path, message: `${what} is also ${owner}'s` });
    }
    owners.set(key, id);
  };
  return interfaces.map((iface, index) => {
    const v4: string[] = [];
    const v6: string[] = [];
    iface.addresses.forEach((text, addressIndex) => {
      const path = `interfaces[${index}].addresses[${addressIndex}]`;
      const address = parseIpAddress(text);
      if (address === null) {
        issues.push({ path, message: `${JSON.stringify(text)} is not an IP address` });
        return;
      }
      claim(`address ${address.address}`, iface.id, path, address.address);
      (address.family === 4 ? v4 : v6).push(address.address);
    });
    if (iface.device !== undefined) {
      const path = `interfaces[${index}].device`;
      if (!DEVICE_NAME.test(iface.device)) {
        issues.push({ path, message: `${JSON.stringify(iface.device)} is not a device name` });
      } else {
        claim(`device ${iface.device}`, iface.id, path, iface.device);
      }
    }
    return { source: iface, index, v4, v6 };
  });
}
