import type { NodeSetupPlan, PodNetworkApplier } from '@podsg/cni';
import type { NodeFirewall } from '../ports/NodeFirewall.js';

/**
 * Applies the once-per-node setup: its policy-rule steps in the host namespace, then (standard
 * mode) its firewall table. Both parts are idempotent, so the node agent may run it at every start.
 */
export async function applyNodeSetup(
  plan: NodeSetupPlan,
  targets: { applier: PodNetworkApplier; firewall: NodeFirewall },
): Promise<void> {
  await targets.applier.apply(plan.routePlan, null);
  if (plan.firewall !== null) await targets.firewall.apply(plan.firewall);
}
