import type { BranchState } from './BranchState.js';

/** A branch interface as the controller sees it (read-only copy). */
export interface BranchView {
  readonly eniId: string | null;
  readonly node: string;
  readonly state: BranchState;
  readonly vlanId: number;
  readonly groupIds: readonly string[];
  /** Whether the groups are the node's primary ones because no policy matches the pod. */
  readonly fallbackGroups: boolean;
  readonly pod: { readonly namespace: string; readonly name: string; readonly uid: string } | null;
  /** When the current cooldown or hold ends (clock ms); null otherwise. */
  readonly deadline: number | null;
}

/** A node as the controller sees it. */
export interface NodeView {
  readonly name: string;
  readonly instanceId: string | null;
  readonly instanceType: string | null;
  readonly status: 'pending' | 'preparing' | 'ready' | 'unsupported' | 'failed';
  readonly trunkInterfaceId: string | null;
  readonly capacity: number;
  readonly counts: Readonly<Record<BranchState, number>>;
  /** Pods waiting for capacity on this node, in service order. */
  readonly waiting: readonly string[];
}

/** A read-only snapshot of the controller's state for invariant checks. */
export interface ControllerInspection {
  readonly nodes: readonly NodeView[];
  readonly branches: readonly BranchView[];
}
