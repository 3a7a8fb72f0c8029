import type { PodNetworkInput } from '../models/PodNetworkInput.js';
import type { PlanStep, RoutePlan } from '../models/RoutePlan.js';
import { podAddressing } from './podAddressing.js';

/**
 * The route plan that wires one pod to its branch interface (docs/architecture.md, "Pod networking"), for IPv4
 * and, when the branch has `ipv6Addr`, IPv6.
 *
 * Order: the veth pair and everything inside the pod first, then the host route to the pod, then
 * the policy rules, and the VLAN device with its table last. A VLAN device therefore only exists
 * once its rules and veth do, which lets GC treat a VLAN device without them as an orphan; and a
 * failure at any step leaves only things `planPodTeardown` removes.
 *
 * Pure; throws `CniError` `InvalidPlanInput` naming the field for a malformed input.
 */
export function planPodNetwork(input: PodNetworkInput): RoutePlan {
  const { ifName, hostVeth, vlanDevice, vlanId, table, families } = podAddressing(input);
  const hostVethMac = input.hostVethMac.toLowerCase();
  const strict = input.mode === 'strict';
  const steps: PlanStep[] = [
    {
      op: 'link.add.veth',
      ns: 'pod',
      name: ifName,
      peerName: hostVeth,
      peerNs: 'host',
      mtu: input.mtu,
      peerMac: hostVethMac,
    },
    { op: 'link.set', ns: 'host', name: hostVeth, up: true },
    { op: 'link.set', ns: 'pod', name: ifName, up: true },
  ];
  for (const f of families) {
    steps.push(
      { op: 'addr.add', ns: 'pod', dev: ifName, cidr: f.podHostCidr },
      {
        op: 'route.replace',
        ns: 'pod',
        dst: `${f.podGateway}/${f.family === 4 ? 32 : 128}`,
        dev: ifName,
        scope: 'link',
      },
      { op: 'route.replace', ns: 'pod', dst: 'default', via: f.podGateway, dev: ifName },
      { op: 'neigh.replace', ns: 'pod', dev: ifName, ip: f.podGateway, mac: hostVethMac },
    );
  }
  for (const f of families) {
    steps.push(
      strict
        ? {
            op: 'route.replace',
            ns: 'host',
            dst: f.podHostCidr,
            dev: hostVeth,
            table,
            scope: 'link',
          }
        : { op: 'route.replace', ns: 'host', dst: f.podHostCidr, dev: hostVeth, scope: 'link' },
    );
  }
  for (const f of families) {
    if (strict) {
      steps.push(
        { op: 'rule.add', ns: 'host', priority: 10, iif: vlanDevice, table, family: f.family },
        { op: 'rule.add', ns: 'host', priority: 10, iif: hostVeth, table, family: f.family },
      );
    } else {
      steps.push(
        { op: 'rule.add', ns: 'host', priority: 512, to: f.podHostCidr, table: 'main' },
        { op: 'rule.add', ns: 'host', priority: 1536, from: f.podHostCidr, table },
      );
    }
  }
  const vlanStep: PlanStep = {
    op: 'link.add.vlan',
    ns: 'host',
    name: vlanDevice,
    parent: input.trunkLink,
    vlanId,
    mac: input.branch.ifAddress.toLowerCase(),
  };
  if (input.containerId !== undefined && input.containerId !== '') {
    vlanStep.alias = vlanAttachmentAlias(input.containerId, ifName);
  }
  steps.push(vlanStep, { op: 'link.set', ns: 'host', name: vlanDevice, up: true });
  for (const f of families) {
    const gateway = f.branchGateway ?? '';
    steps.push(
      {
        op: 'route.replace',
        ns: 'host',
        dst: `${gateway}/${f.family === 4 ? 32 : 128}`,
        dev: vlanDevice,
        table,
        scope: 'link',
      },
      { op: 'route.replace', ns: 'host', dst: 'default', via: gateway, dev: vlanDevice, table },
    );
  }
  return { steps };
}

/** The alias a VLAN device carries: `podsg:<containerId>:<ifName>`. */
export function vlanAttachmentAlias(containerId: string, ifName: string): string {
  return `podsg:${containerId}:${ifName}`;
}
