import { AllocatorError } from '../errors/AllocatorError.js';
import type { PodRef } from '../models/BranchControllerEvents.js';
import type { InstanceLimits } from '../models/InstanceLimits.js';
import type { NetworkInterface } from '../models/NetworkInterface.js';
import type { ReleasedBranch } from '../models/ReleasedBranch.js';
import type { BranchState } from '../models/BranchState.js';
import { POD_UID_TAG } from '../models/wellKnownNames.js';
import type { NodeLedger } from '../services/NodeLedger.js';

/**
 * Where a pod is in the controller: `waiting` in its node's queue; `allocating` while a worker
 * creates, associates and annotates; `allocated` with an in-use branch; `failed` after the last
 * requeue (until the pod changes); `released` once deleted or finished.
 */
export type PodStatus = 'idle' | 'waiting' | 'allocating' | 'allocated' | 'failed' | 'released';

/**
 * The moves `PodRecord.moveTo` allows, from → to. `idle` goes straight to `allocated` or
 * `allocating` only at recovery (annotated, or adopting a branch made for it); `waiting` goes
 * back to `idle` when its node is removed; a failed pod retries once it changes; releasing a
 * released pod is a no-op (a delete can race with a pod found gone).
 */
export const POD_TRANSITIONS: Readonly<Record<PodStatus, readonly PodStatus[]>> = {
  idle: ['waiting', 'allocating', 'allocated', 'released'],
  waiting: ['allocating', 'idle', 'released'],
  allocating: ['allocated', 'failed', 'released'],
  allocated: ['released'],
  failed: ['idle', 'released'],
  released: ['released'],
};

/**
 * The controller's compact record of a pod that needs (or has) a branch interface. Kept small
 * on purpose (a restart rebuilds one per annotated pod): no closures, interned labels.
 */
export class PodRecord {
  readonly status: PodStatus = 'idle';
  node: NodeRecord | null = null;
  branch: BranchRecord | null = null;
  /** The generation in the create client token; bumped only after we deleted its interface. */
  generation = 0;
  /** Requeues spent on the current allocation. */
  requeues = 0;
  /** FIFO order of scheduling as observed. */
  seq = 0;
  /** The resourceVersion a failed allocation gave up at; a new one retries. */
  failedAt: string | null = null;
  /** Whether the pod is terminating (its interface will cool down soon). */
  terminating = false;

  constructor(
    readonly uid: string,
    readonly namespace: string,
    readonly name: string,
    public labels: Readonly<Record<string, string>>,
    public serviceAccountName: string,
  ) {}

  /**
   * Moves the pod to another status; the only way its status changes.
   *
   * @throws AllocatorError `Invalid` for a move `POD_TRANSITIONS` does not allow
   */
  moveTo(to: PodStatus): void {
    if (!POD_TRANSITIONS[this.status].includes(to)) {
      throw new AllocatorError(
        'Invalid',
        `pod ${this.namespace}/${this.name} cannot go ${this.status} → ${to}`,
      );
    }
    (this as { status: PodStatus }).status = to;
  }
}

/** The controller's record of one branch interface (or a reservation for one). */
export class BranchRecord {
  state: BranchState;
  eniId: string | null = null;
  associationId: string | null = null;
  pod: PodRecord | null = null;
  macAddress = '';
  privateIp = '';
  ipv6Address = '';
  subnetCidr = '';
  subnetV6Cidr = '';
  /** Whether the groups are the node's fallback (no policy matches its pod). */
  fallback = false;
  /** When the cooldown or hold ends (clock ms); 0 when none. */
  deadline = 0;
  /** The `podsg.io/pod-uid` tag value as last written or seen. */
  taggedUid: string | null = null;
  /** Whether a modify of its groups is in flight. */
  modifying = false;
  /** Deletion attempts that failed. */
  deleteFailures = 0;
  /** Whether it was created for its pod before a restart and is being adopted. */
  adopted = false;
  /**
   * The generation in the association client token, bumped after we disassociated it; absent
   * (0) until then. Declared without a field so that the many records that never need it stay
   * one slot smaller.
   */
  declare associationGeneration?: number;
  /**
   * The UID of the pod whose release started its cooldown, matched against the node agent's
   * confirmations; absent for a branch found cooling at recovery (it keeps the cooldown).
   */
  declare releasedUid?: string;

  constructor(
    readonly node: NodeRecord,
    public vlanId: number,
    public groupKey: string,
    state: BranchState,
  ) {
    this.state = state;
  }
}

/** Copies an EC2 interface's id, addresses and pod-uid tag into a branch record. */
export function fillFromInterface(branch: BranchRecord, eni: NetworkInterface): void {
  branch.eniId = eni.networkInterfaceId;
  branch.macAddress = eni.macAddress;
  branch.privateIp = eni.privateIpAddress;
  branch.ipv6Address = eni.ipv6Address ?? '';
  branch.taggedUid = eni.tags[POD_UID_TAG] ?? null;
}

/** The controller's record of a node. */
export class NodeRecord {
  status: 'pending' | 'preparing' | 'ready' | 'unsupported' | 'failed' = 'pending';
  uid = '';
  instanceId: string | null = null;
  instanceType: string | null = null;
  optedIn = false;
  limits: InstanceLimits | null = null;
  ledger: NodeLedger<BranchRecord> | null = null;
  trunkId: string | null = null;
  /** Whether the trunk is known attached with delete-on-termination (no describe needed). */
  trunkSettled = false;
  /** An unattached trunk of ours for this node found at recovery, to attach instead of creating. */
  spareTrunkId: string | null = null;
  /** The primary interface's groups: the trunk's, and the fallback of pods no policy matches. */
  primaryGroupIds: readonly string[] = [];
  subnetId: string | null = null;
  subnetCidr = '';
  subnetV6Cidr = '';
  /** In-use interfaces of terminating pods, by group set (soon cooling). */
  draining = new Map<string, number>();
  /** Pods waiting for a branch here, FIFO from `head`. */
  waiting: PodRecord[] = [];
  head = 0;
  trunkGeneration = 0;
  prepFailures = 0;
  /** Whether the node's `Unsupported` event was recorded. */
  unsupportedReported = false;
  /** The node agent's confirmed releases, as last seen on the Node. */
  releasedBranches: readonly ReleasedBranch[] = [];
  /** The warnings about them last reported (reported again only when they change). */
  releasedBranchesWarnings = '';

  constructor(readonly name: string) {}
}

/** The pod as an event's involved object. */
export function podRef(pod: PodRecord): PodRef & { kind: 'Pod' } {
  return { kind: 'Pod', namespace: pod.namespace, name: pod.name, uid: pod.uid };
}

// The link between a pod and its branch, and what it means for the node's count of
// interfaces soon cooling (`NodeRecord.draining`, read by `reuseWaitSeconds`).

/** Whether the pod was released; a function so TypeScript does not narrow across awaits. */
export function released(pod: PodRecord): boolean {
  return pod.status === 'released';
}

/** Cuts the link between a pod and a branch, on either side that still holds it. */
export function unbind(pod: PodRecord, branch: BranchRecord): void {
  if (pod.branch === branch) pod.branch = null;
  if (branch.pod === pod) branch.pod = null;
}

/** Counts a terminating pod's interface as soon cooling (for `reuseWaitSeconds`). */
export function markTerminating(pod: PodRecord): void {
  pod.terminating = true;
  const branch = pod.branch;
  if (pod.status !== 'allocated' || branch === null) return;
  const draining = branch.node.draining;
  draining.set(branch.groupKey, (draining.get(branch.groupKey) ?? 0) + 1);
}

/** Takes back `markTerminating`'s count (the interface is released or changes group set). */
export function undrain(pod: PodRecord, branch: BranchRecord): void {
  if (!pod.terminating) return;
  pod.terminating = false;
  const draining = branch.node.draining;
  const count = (draining.get(branch.groupKey) ?? 0) - 1;
  if (count > 0) draining.set(branch.groupKey, count);
  else draining.delete(branch.groupKey);
}

/**
 * The node's subnet, as learnt from its instance or trunk: the id, or a clear failure when EC2
 * reported none, so that no call goes out with an empty subnet id.
 *
 * @param purpose - what needs the subnet, for the message (e.g. `its trunk interface`)
 * @throws AllocatorError `Invalid` naming the node when its subnet id is unknown or empty
 */
export function requireSubnetId(node: NodeRecord, purpose: string): string {
  const subnetId = node.subnetId;
  if (subnetId === null || subnetId === '') {
    throw new AllocatorError(
      'Invalid',
      `node ${node.name}: subnetId is unknown (EC2 reported none for instance ` +
        `${node.instanceId ?? '<none>'}), so ${purpose} cannot be created`,
    );
  }
  return subnetId;
}
