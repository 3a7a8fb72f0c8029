import type { PodTeardownInput } from '../models/PodNetworkInput.js';
import type { PlanStep, RoutePlan } from '../models/RoutePlan.js';
import { teardownAddressing } from './podAddressing.js';

/**
 * The route plan that removes everything `planPodNetwork` creates for a pod: every rule of table
 * `100+N` and of the pod's addresses (of both modes, so a node whose mode changed between ADD and
 * DEL is still cleaned), then the pod's veth (which takes its host peer along), the host veth in
 * case only it is left, and the VLAN device (which takes table `100+N`'s routes along).
 *
 * Appliers treat deletions of missing objects as success, so the plan can be applied any number of
 * times, after a partial ADD, or after the pod's namespace is gone.
 *
 * Pure; throws `CniError` `InvalidPlanInput` naming the field for a malformed input.
 */
export function planPodTeardown(input: PodTeardownInput): RoutePlan {
  const { ifName, hostVeth, vlanDevice, table, families } = teardownAddressing(input);
  const steps: PlanStep[] = [];
  // Interface rules exist per family; IPv4 always, IPv6 when the pod had an IPv6 address.
  const ruleFamilies: (4 | 6)[] = families.some((f) => f.family === 6) ? [4, 6] : [4];
  for (const family of ruleFamilies) {
    steps.push(
      { op: 'rule.del', ns: 'host', priority: 10, iif: vlanDevice, table, family },
      { op: 'rule.del', ns: 'host', priority: 10, iif: hostVeth, table, family },
    );
    for (const f of families.filter((a) => a.family === family)) {
      steps.push(
        { op: 'rule.del', ns: 'host', priority: 512, to: f.podHostCidr, table: 'main' },
        { op: 'rule.del', ns: 'host', priority: 1536, from: f.podHostCidr, table },
      );
    }
  }
  steps.push(
    { op: 'link.del', ns: 'pod', name: ifName },
    { op: 'link.del', ns: 'host', name: hostVeth },
    { op: 'link.del', ns: 'host', name: vlanDevice },
  );
  return { steps };
}
