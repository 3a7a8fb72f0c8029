import type { NetworkSnapshot, RouteState, RuleState } from '../models/NetworkSnapshot.js';
import type { PlanStep, RoutePlan, Table } from '../models/RoutePlan.js';
import { parseCidr, parseIpAddress } from './ipAddress.js';

/** An address or CIDR in canonical form; a host prefix (`/32`, `/128`) is dropped. */
function canonicalPrefix(text: string | undefined): string | undefined {
  if (text === undefined || text === 'default') return text;
  const cidr = parseCidr(text);
  if (cidr !== null) {
    const host = cidr.family === 4 ? 32 : 128;
    return cidr.prefixLength === host ? cidr.address : `${cidr.address}/${cidr.prefixLength}`;
  }
  return parseIpAddress(text)?.address ?? text;
}

function tableName(table: Table | undefined): string {
  return String(table ?? 'main');
}

function ruleMatches(
  step: Extract<PlanStep, { op: 'rule.add' | 'rule.del' }>,
  rule: RuleState,
): boolean {
  return (
    rule.priority === step.priority &&
    tableName(rule.table) === tableName(step.table) &&
    canonicalPrefix(rule.from) === canonicalPrefix(step.from) &&
    canonicalPrefix(rule.to) === canonicalPrefix(step.to) &&
    rule.iif === step.iif &&
    (rule.fwmark ?? undefined) === step.fwmark &&
    (step.family === undefined || rule.family === undefined || rule.family === step.family)
  );
}

function describeRule(step: Extract<PlanStep, { op: 'rule.add' | 'rule.del' }>): string {
  const parts = [`priority ${step.priority}`];
  if (step.from !== undefined) parts.push(`from ${step.from}`);
  if (step.to !== undefined) parts.push(`to ${step.to}`);
  if (step.iif !== undefined) parts.push(`iif ${step.iif}`);
  if (step.fwmark !== undefined) parts.push(`fwmark ${step.fwmark}`);
  parts.push(`lookup ${tableName(step.table)}`);
  if (step.family === 6) parts.push('(IPv6)');
  return `rule ${parts.join(' ')}`;
}

function describeRoute(step: Extract<PlanStep, { op: 'route.replace' | 'route.del' }>): string {
  const parts = [step.dst];
  if (step.via !== undefined) parts.push(`via ${step.via}`);
  if (step.dev !== undefined) parts.push(`dev ${step.dev}`);
  parts.push(`table ${tableName(step.table)}`);
  return `route ${parts.join(' ')}`;
}

function routeMatches(
  step: Extract<PlanStep, { op: 'route.replace' | 'route.del' }>,
  route: RouteState,
): boolean {
  const dstFamily = (text: string | undefined): 4 | 6 | undefined =>
    text === undefined ? undefined : parseIpAddress(text)?.family;
  const sameDst =
    step.dst === 'default'
      ? route.dst === 'default' &&
        (step.via === undefined || dstFamily(route.via) === dstFamily(step.via))
      : canonicalPrefix(route.dst) === canonicalPrefix(step.dst);
  return (
    sameDst &&
    tableName(route.table) === tableName(step.table) &&
    (step.dev === undefined || route.dev === step.dev) &&
    (step.via === undefined || canonicalPrefix(route.via) === canonicalPrefix(step.via))
  );
}

/**
 * What differs between a plan and the live state it should have produced, one sentence per item
 * (empty when everything the plan creates is in place). `host` is the node's namespace, `pod` the
 * pod's (null when it is not available: pod steps are then reported missing).
 *
 * Creation steps must be present with the planned attributes; deletion steps must be absent.
 * `sysctl.set` steps cannot be seen in a snapshot and are not checked. Addresses compare in
 * canonical form, with host prefixes (`/32`, `/128`) optional, as `ip -j` prints them either way.
 */
export function diffPlanAgainstSnapshot(
  plan: RoutePlan,
  host: NetworkSnapshot,
  pod: NetworkSnapshot | null,
): string[] {
  const differences: string[] = [];
  const nsOf = (ns: 'host' | 'pod'): NetworkSnapshot | null => (ns === 'host' ? host : pod);
  const where = (ns: 'host' | 'pod'): string => (ns === 'host' ? 'host' : 'pod');
  for (const step of plan.steps) {
    const snapshot = nsOf(step.ns);
    if (snapshot === null) {
      differences.push(`pod namespace is not available to check ${step.op}`);
      continue;
    }
    switch (step.op) {
      case 'link.add.veth': {
        const link = snapshot.links.find((l) => l.name === step.name);
        if (link === undefined) differences.push(`pod link ${step.name} is missing`);
        else if (link.mtu !== step.mtu) {
          differences.push(`pod link ${step.name} has MTU ${link.mtu}, expected ${step.mtu}`);
        }
        const peer = host.links.find((l) => l.name === step.peerName);
        if (peer === undefined) differences.push(`host link ${step.peerName} is missing`);
        else {
          if (peer.mac.toLowerCase() !== step.peerMac.toLowerCase()) {
            differences.push(
              `host link ${step.peerName} has MAC ${peer.mac}, expected ${step.peerMac}`,
            );
          }
          if (peer.mtu !== step.mtu) {
            differences.push(
              `host link ${step.peerName} has MTU ${peer.mtu}, expected ${step.mtu}`,
            );
          }
        }
        break;
      }
      case 'link.add.vlan': {
        const link = snapshot.links.find((l) => l.name === step.name);
        if (link === undefined) {
          differences.push(`host link ${step.name} is missing`);
          break;
        }
        if (link.vlanId !== undefined && link.vlanId !== step.vlanId) {
          differences.push(
            `host link ${step.name} has VLAN id ${link.vlanId}, expected ${step.vlanId}`,
          );
        }
        if (link.mac.toLowerCase() !== step.mac.toLowerCase()) {
          differences.push(`host link ${step.name} has MAC ${link.mac}, expected ${step.mac}`);
        }
        if (link.parent !== undefined && link.parent !== step.parent) {
          differences.push(`host link ${step.name} is on ${link.parent}, expected ${step.parent}`);
        }
        break;
      }
      case 'link.set': {
        const link = snapshot.links.find((l) => l.name === step.name);
        if (link === undefined) {
          differences.push(`${where(step.ns)} link ${step.name} is missing`);
          break;
        }
        if (step.up === true && !link.up)
          differences.push(`${where(step.ns)} link ${step.name} is down`);
        if (step.mtu !== undefined && link.mtu !== step.mtu) {
          differences.push(
            `${where(step.ns)} link ${step.name} has MTU ${link.mtu}, expected ${step.mtu}`,
          );
        }
        if (step.mac !== undefined && link.mac.toLowerCase() !== step.mac.toLowerCase()) {
          differences.push(
            `${where(step.ns)} link ${step.name} has MAC ${link.mac}, expected ${step.mac}`,
          );
        }
        break;
      }
      case 'link.del':
        if (snapshot.links.some((l) => l.name === step.name)) {
          differences.push(`${where(step.ns)} link ${step.name} still exists`);
        }
        break;
      case 'addr.add': {
        const wanted = parseCidr(step.cidr);
        const found = snapshot.addresses.some((a) => {
          const have = parseCidr(a.cidr);
          return (
            a.dev === step.dev &&
            have !== null &&
            wanted !== null &&
            have.address === wanted.address &&
            have.prefixLength === wanted.prefixLength
          );
        });
        if (!found)
          differences.push(`${where(step.ns)} address ${step.cidr} on ${step.dev} is missing`);
        break;
      }
      case 'route.replace':
        if (!snapshot.routes.some((r) => routeMatches(step, r))) {
          differences.push(`${where(step.ns)} ${describeRoute(step)} is missing`);
        }
        break;
      case 'route.del':
        if (snapshot.routes.some((r) => routeMatches(step, r))) {
          differences.push(`${where(step.ns)} ${describeRoute(step)} still exists`);
        }
        break;
      case 'rule.add':
        if (!snapshot.rules.some((r) => ruleMatches(step, r))) {
          differences.push(`${where(step.ns)} ${describeRule(step)} is missing`);
        }
        break;
      case 'rule.del':
        if (snapshot.rules.some((r) => ruleMatches(step, r))) {
          differences.push(`${where(step.ns)} ${describeRule(step)} still exists`);
        }
        break;
      case 'neigh.replace': {
        const entry = snapshot.neighbours.find(
          (n) => n.dev === step.dev && canonicalPrefix(n.ip) === canonicalPrefix(step.ip),
        );
        if (entry === undefined) {
          differences.push(`${where(step.ns)} neighbour ${step.ip} on ${step.dev} is missing`);
        } else if (entry.mac.toLowerCase() !== step.mac.toLowerCase()) {
          differences.push(
            `${where(step.ns)} neighbour ${step.ip} on ${step.dev} points to ${entry.mac}, expected ${step.mac}`,
          );
        } else if (!entry.permanent) {
          differences.push(
            `${where(step.ns)} neighbour ${step.ip} on ${step.dev} is not permanent`,
          );
        }
        break;
      }
      case 'sysctl.set':
        break;
    }
  }
  return differences;
}
