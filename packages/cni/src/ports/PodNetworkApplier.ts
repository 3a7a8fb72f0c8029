import type { NetworkSnapshot } from '../models/NetworkSnapshot.js';
import type { RoutePlan } from '../models/RoutePlan.js';

/** Where a plan's `pod` steps run: the pod sandbox's network namespace path (`CNI_NETNS`). */
export interface PodSandbox {
  /** Path of the pod's network namespace, e.g. `/var/run/netns/cni-1234`. */
  netns: string;
}

/**
 * Executes route plans against a kernel (iproute2, netlink, or a fake kernel).
 *
 * Steps run in order. `host` steps run in the namespace of the calling process, `pod` steps in
 * `sandbox.netns`. Deletion steps (`link.del`, `route.del`, `rule.del`) succeed when the object
 * is already gone, and all steps succeed when the pod namespace no longer exists during a
 * teardown, so teardowns are idempotent. `rule.add` of a rule that exists and `addr.add` of an
 * address that exists succeed. Anything else that fails throws a `CniError` of kind
 * `ApplyFailed` naming the step, with the kernel's message as cause; the steps before it stay
 * applied (the runner applies the teardown to undo them).
 */
export interface PodNetworkApplier {
  apply(plan: RoutePlan, sandbox: PodSandbox | null): Promise<void>;

  /**
   * Reads the live state of the host namespace (`sandbox` null) or of a pod namespace.
   * Throws `CniError` of kind `NotFound` when the pod namespace does not exist.
   */
  snapshot(sandbox: PodSandbox | null): Promise<NetworkSnapshot>;
}
