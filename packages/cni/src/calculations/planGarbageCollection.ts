import type { CniAttachmentRef } from '../models/NetworkConfig.js';
import type { NetworkSnapshot, RuleState } from '../models/NetworkSnapshot.js';
import type { PlanStep, RoutePlan, Table } from '../models/RoutePlan.js';
import { parseCidr, parseIpAddress } from './ipAddress.js';
import { branchRouteTable, vlanDeviceName, vlanIdOfDeviceName } from './vlanDeviceName.js';

/** What GC found stale and the plan that removes it. */
export interface GarbageCollectionPlan {
  plan: RoutePlan;
  /** One sentence per stale attachment, for the log. */
  removed: string[];
}

const ALIAS_PREFIX = 'podsg:';

/**
 * Tables the kernel itself uses: 253 `default` (rule `32767: from all lookup default` is on
 * every host), 254 `main`, 255 `local`. `100+N` can name them, but they are never a branch's.
 */
const KERNEL_TABLES: ReadonlySet<number> = new Set([253, 254, 255]);

function isBranchTable(table: Table): table is number {
  return typeof table === 'number' && table > 100 && table <= 4194 && !KERNEL_TABLES.has(table);
}

/** The attachment named by a VLAN device alias `podsg:<containerId>:<ifName>`, or null. */
export function attachmentOfAlias(alias: string | undefined): CniAttachmentRef | null {
  if (alias?.startsWith(ALIAS_PREFIX) !== true) return null;
  const rest = alias.slice(ALIAS_PREFIX.length);
  const colon = rest.lastIndexOf(':');
  if (colon <= 0 || colon === rest.length - 1) return null;
  return { containerID: rest.slice(0, colon), ifname: rest.slice(colon + 1) };
}

function sameAddress(a: string | undefined, b: string | undefined): boolean {
  if (a === undefined || b === undefined) return false;
  const address = (text: string): string | undefined =>
    parseCidr(text)?.address ?? parseIpAddress(text)?.address;
  return address(a) === address(b);
}

function ruleDel(rule: RuleState): PlanStep {
  const step: PlanStep = { op: 'rule.del', ns: 'host', priority: rule.priority, table: rule.table };
  if (rule.from !== undefined) step.from = rule.from;
  if (rule.to !== undefined) step.to = rule.to;
  if (rule.iif !== undefined) step.iif = rule.iif;
  if (rule.fwmark !== undefined) step.fwmark = rule.fwmark;
  if (rule.family !== undefined) step.family = rule.family;
  return step;
}

/**
 * Plans the removal of branch attachments that no longer belong to a live pod (CNI GC, 1.1.0),
 * from the host namespace's snapshot.
 *
 * Which attachment a VLAN device `vlan.eth.N` belongs to:
 * - when it carries the alias `podsg:<containerId>:<ifName>` (set at ADD), it is stale exactly
 *   when that pair is not in `validAttachments`;
 * - otherwise (an applier that cannot set aliases, or a device from an older version) nothing on
 *   the node ties it to a container id, so it is stale when no live host veth uses table `100+N`
 *   (no `iif <veth> lookup 100+N` rule whose veth exists, and no route to a `from P lookup 100+N`
 *   address through an existing veth). An attachment whose pod still runs but that the runtime
 *   no longer lists is then kept: libcni DELs cached attachments missing from the valid list
 *   (with their prevResult) before it sends GC, so GC only has to catch what escaped that.
 *
 * Rules of a branch table `101..4194` (bar the kernel's own 253 to 255) whose VLAN device is gone and whose veth is gone are
 * removed too (left by an ADD killed half-way). A stale attachment loses every rule of its table,
 * the `to P lookup main` rules of its pod addresses, its host veth when one is left, and its VLAN
 * device (which takes the table's routes along).
 */
export function planGarbageCollection(
  host: NetworkSnapshot,
  validAttachments: readonly CniAttachmentRef[],
): GarbageCollectionPlan {
  const linkNames = new Set(host.links.map((link) => link.name));
  const valid = new Set(validAttachments.map((a) => `${a.containerID}\u0000${a.ifname}`));
  const steps: PlanStep[] = [];
  const removed: string[] = [];

  const vlanIds = new Set<number>();
  for (const link of host.links) {
    const vlanId = vlanIdOfDeviceName(link.name);
    if (vlanId !== null) vlanIds.add(vlanId);
  }
  for (const rule of host.rules) {
    if (isBranchTable(rule.table)) vlanIds.add(rule.table - 100);
  }

  for (const vlanId of [...vlanIds].sort((a, b) => a - b)) {
    const vlanDevice = vlanDeviceName(vlanId);
    const table = branchRouteTable(vlanId);
    const link = host.links.find((l) => l.name === vlanDevice);
    const tableRules = host.rules.filter((r) => r.table === table);
    const podIps = tableRules.flatMap((r) => (r.from === undefined ? [] : [r.from]));
    const veths = new Set<string>();
    for (const rule of tableRules) {
      if (rule.iif !== undefined && rule.iif !== vlanDevice) veths.add(rule.iif);
    }
    for (const route of host.routes) {
      if (route.dev === undefined || route.dev === vlanDevice) continue;
      if (route.table === table || podIps.some((ip) => sameAddress(ip, route.dst))) {
        veths.add(route.dev);
      }
    }
    const liveVeths = [...veths].filter((name) => linkNames.has(name));

    const owner = attachmentOfAlias(link?.alias);
    let why: string | null;
    if (owner !== null) {
      why = valid.has(`${owner.containerID}\u0000${owner.ifname}`)
        ? null
        : `container ${owner.containerID} interface ${owner.ifname} is not a valid attachment`;
    } else {
      why = liveVeths.length === 0 ? 'no live pod veth uses it' : null;
    }
    if (why === null) continue;

    removed.push(`${link === undefined ? `rules of table ${table}` : vlanDevice}: ${why}`);
    for (const rule of tableRules) steps.push(ruleDel(rule));
    for (const rule of host.rules) {
      if (rule.iif === vlanDevice && rule.table !== table) steps.push(ruleDel(rule));
      if (rule.table === 'main' && podIps.some((ip) => sameAddress(ip, rule.to))) {
        steps.push(ruleDel(rule));
      }
    }
    for (const veth of liveVeths) steps.push({ op: 'link.del', ns: 'host', name: veth });
    if (link !== undefined) steps.push({ op: 'link.del', ns: 'host', name: vlanDevice });
  }
  return { plan: { steps }, removed };
}

/**
 * The attachment a host veth serves, found in the host snapshot: used by DEL when there is no
 * `prevResult` and the agent no longer knows the pod. The VLAN id comes from the `iif <veth>
 * lookup 100+N` rule (strict) or from the route to the pod through the veth and its
 * `from P lookup 100+N` rule (standard). Null when nothing refers to the veth.
 */
export function findAttachmentOfHostVeth(
  host: NetworkSnapshot,
  hostVeth: string,
): { vlanId: number; privateIp?: string; ipv6Addr?: string } | null {
  let table: number | undefined = host.rules.find(
    (r) => r.iif === hostVeth && isBranchTable(r.table),
  )?.table as number | undefined;
  const addresses = new Set<string>();
  for (const route of host.routes) {
    if (route.dev !== hostVeth || route.dst === 'default') continue;
    const cidr = parseCidr(route.dst) ?? null;
    const address = cidr?.address ?? parseIpAddress(route.dst)?.address;
    if (address !== undefined) addresses.add(address);
    if (table === undefined && isBranchTable(route.table)) table = route.table;
  }
  if (table === undefined) {
    table = host.rules.find(
      (r) => isBranchTable(r.table) && [...addresses].some((a) => sameAddress(a, r.from)),
    )?.table as number | undefined;
  }
  if (table === undefined) return null;
  const result: { vlanId: number; privateIp?: string; ipv6Addr?: string } = { vlanId: table - 100 };
  for (const address of addresses) {
    const family = parseIpAddress(address)?.family;
    if (family === 4) result.privateIp ??= address;
    if (family === 6) result.ipv6Addr ??= address;
  }
  // Strict mode keeps the pod route in table 100+N; standard mode names the pod in its rules.
  for (const rule of host.rules) {
    if (rule.table !== table || rule.from === undefined) continue;
    const ip = parseCidr(rule.from) ?? parseIpAddress(rule.from);
    if (ip?.family === 4) result.privateIp ??= ip.address;
    if (ip?.family === 6) result.ipv6Addr ??= ip.address;
  }
  return result;
}
