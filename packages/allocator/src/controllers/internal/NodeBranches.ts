import { AllocatorError } from '../../errors/AllocatorError.js';
import type { BranchState } from '../../models/BranchState.js';
import { checkBranchMove } from '../../models/BranchState.js';
import type { InstanceLimits } from '../../models/InstanceLimits.js';
import type { ReleasedBranch } from '../../models/ReleasedBranch.js';
import type { NodeLedger } from '../../services/NodeLedger.js';
import { BranchRecord } from './BranchRecord.js';
import type { PodRecord } from './PodRecord.js';

/** What a node needs from the controller to serve its waiting pods. */
export interface NodeServing {
  /** Whether held branches are reused (`strategy`). */
  readonly reuse: boolean;
  /** How long a pod may wait for a cooling branch of its group set (ms); 0 never. */
  readonly reuseWaitMs: number;
  /** Whether the controller serves no queue now (rebuilding, or stopped). */
  paused(): boolean;
  now(): number;
  /** The pod's group set now (see `GroupReconciler.resolve`). */
  resolve(pod: PodRecord, node: NodeBranches): { groupKey: string; fallback: boolean };
  /** Drops a branch's pending cooldown or hold deadline (it is taken). */
  cancelDeadline(branch: BranchRecord): void;
  /** The pod got a reserved slot or a held branch: its reconcile takes it the rest of the way. */
  placed(pod: PodRecord): void;
  /** Deletes a held branch nobody waiting wants, to make room. */
  makeRoom(branch: BranchRecord): void;
  /**
   * For a pod with no held branch here and a free slot: a branch moved from another node
   * (`moved`: the pod is allocating), a wait for a release (`wait`), or a new one (`create`).
   */
  sourceBranch?: (
    pod: PodRecord,
    node: NodeBranches,
    groupKey: string,
    fallback: boolean,
  ) => 'moved' | 'wait' | 'create';
  /** The queue was served: held branches left may go elsewhere, the warm pool may refill. */
  served?: (node: NodeBranches) => void;
}

/**
 * One node and everything the controller holds on it: its trunk and subnet, the ledger of its
 * slots and VLAN ids, the pods waiting for a branch (FIFO), and the branches not assigned to a
 * pod (`cooling` and `held`, indexed by group set in the ledger). Decisions about the node's
 * capacity are synchronous calls here, so they are serialised without locks; every branch move goes
 * through `moveBranch` (`BRANCH_TRANSITIONS`), every pod move through `PodRecord.moveTo`
 * (`POD_TRANSITIONS`).
 */
export class NodeBranches {
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
  /** Whether the node's `Unsupported` event was recorded. */
  unsupportedReported = false;
  /** The node agent's confirmed releases, as last seen on the Node. */
  releasedBranches: readonly ReleasedBranch[] = [];
  /** The warnings about them last reported (reported again only when they change). */
  releasedBranchesWarnings = '';

  constructor(readonly name: string) {}

  // ───────────────────────────── moves ─────────────────────────────

  /**
   * Moves a branch of this node to another state (checked against `BRANCH_TRANSITIONS`),
   * keeping the ledger's counts and its index of unassigned branches right.
   */
  moveBranch(branch: BranchRecord, to: BranchState): void {
    if (this.ledger !== null) {
      this.ledger.move(branch, to);
    } else {
      checkBranchMove(branch.vlanId, branch.state, to);
      branch.state = to;
    }
  }

  // ───────────────────────────── waiting pods ─────────────────────────────

  /** Queues a scheduled pod (FIFO by `seq`); `serve` gives it a branch in its turn. */
  enqueue(pod: PodRecord, seq: number): void {
    pod.moveTo('waiting');
    pod.node = this;
    pod.seq = seq;
    this.waiting.push(pod);
  }

  /** The pods still waiting here, in order. */
  waitingPods(): PodRecord[] {
    return this.waiting
      .slice(this.head)
      .filter((pod) => pod.status === 'waiting' && pod.node === this);
  }

  /** The node is gone: its waiting pods go back to idle (a new node name queues them again). */
  dropWaiting(): void {
    for (const pod of this.waiting.slice(this.head)) {
      if (pod.node === this && pod.status === 'waiting') {
        pod.moveTo('idle');
        pod.node = null;
      }
    }
    this.waiting = [];
    this.head = 0;
  }

  /**
   * Serves the queue in order: a pod takes a held branch of its group set (no EC2 call), else
   * waits for a cooling one that ends soon (`reuseWaitSeconds`), else a free slot and VLAN id,
   * else waits; held branches of other group sets are deleted to make room for waiting pods.
   */
  serve(serving: NodeServing): void {
    const ledger = this.ledger;
    if (this.status !== 'ready' || ledger === null || serving.paused()) return;
    const queue = this.waiting;
    let blocked = 0;
    const wanted = new Set<string>();
    /** Cooling interfaces promised to earlier pods of this pass, by group set. */
    const promised = new Map<string, number>();
    for (let index = this.head; index < queue.length; index++) {
      const pod = queue[index];
      if (pod === undefined) break;
      if (pod.status !== 'waiting' || pod.node !== this) {
        if (index === this.head) this.head += 1;
        continue;
      }
      const { groupKey, fallback } = serving.resolve(pod, this);
      if (serving.reuse) {
        const held = ledger.peekHeld(groupKey);
        if (held !== undefined) {
          this.#give(pod, held, fallback, serving);
          if (index === this.head) this.head += 1;
          continue;
        }
      }
      if (serving.reuseWaitMs > 0 && this.#coolingFor(groupKey, promised, serving)) continue;
      if (blocked === 0 && serving.sourceBranch !== undefined && ledger.hasFreeSlot()) {
        const source = serving.sourceBranch(pod, this, groupKey, fallback);
        if (source === 'moved' && index === this.head) this.head += 1;
        if (source !== 'create') continue;
      }
      if (blocked === 0) {
        const vlanId = ledger.reserve();
        if (vlanId !== null) {
          if (index === this.head) this.head += 1;
          const branch = new BranchRecord(this, vlanId, groupKey, 'creating');
          branch.fallback = fallback;
          branch.pod = pod;
          pod.branch = branch;
          pod.moveTo('allocating');
          serving.placed(pod);
          continue;
        }
      }
      blocked += 1;
      wanted.add(groupKey);
    }
    if (this.head > 64 && this.head * 2 > queue.length) {
      this.waiting = queue.slice(this.head);
      this.head = 0;
    }
    // Make room: delete held branches nobody waiting wants, one per blocked pod not yet covered.
    let freeing = ledger.count('deleting');
    while (blocked > freeing) {
      const victim = ledger.heldVictim(wanted);
      if (victim === undefined) break;
      serving.makeRoom(victim);
      freeing += 1;
    }
    serving.served?.(this);
  }

  /** Whether a cooling interface of the group set, not promised yet, ends its cooldown soon. */
  #coolingFor(groupKey: string, promised: Map<string, number>, serving: NodeServing): boolean {
    const horizon = serving.now() + serving.reuseWaitMs;
    // Interfaces of terminating pods of the group set count too: they cool down next.
    let available = (this.draining.get(groupKey) ?? 0) - (promised.get(groupKey) ?? 0);
    if (available > 0) {
      promised.set(groupKey, (promised.get(groupKey) ?? 0) + 1);
      return true;
    }
    for (const branch of this.ledger?.cooling(groupKey) ?? []) {
      if (branch.deadline <= horizon) available += 1;
      if (available > 0) {
        promised.set(groupKey, (promised.get(groupKey) ?? 0) + 1);
        return true;
      }
    }
    return false;
  }

  /** Held → in-use for a waiting pod: only its annotation is missing. */
  #give(pod: PodRecord, branch: BranchRecord, fallback: boolean, serving: NodeServing): void {
    this.moveBranch(branch, 'in-use');
    serving.cancelDeadline(branch);
    branch.deadline = 0;
    branch.pod = pod;
    branch.fallback = fallback;
    pod.branch = branch;
    pod.moveTo('allocating');
    serving.placed(pod);
  }

  // ───────────────────────────── terminating pods ─────────────────────────────

  /** Counts a terminating pod's interface as soon cooling (for `reuseWaitSeconds`). */
  markTerminating(pod: PodRecord): void {
    pod.terminating = true;
    const branch = pod.branch;
    if (pod.status !== 'allocated' || branch === null) return;
    this.draining.set(branch.groupKey, (this.draining.get(branch.groupKey) ?? 0) + 1);
  }

  /** Takes back `markTerminating`'s count (the interface is released or changes group set). */
  undrain(pod: PodRecord, branch: BranchRecord): void {
    if (!pod.terminating) return;
    pod.terminating = false;
    const count = (this.draining.get(branch.groupKey) ?? 0) - 1;
    if (count > 0) this.draining.set(branch.groupKey, count);
    else this.draining.delete(branch.groupKey);
  }

  // ───────────────────────────── subnet ─────────────────────────────

  /**
   * The node's subnet, as learnt from its instance or trunk: the id, or a clear failure when EC2
   * reported none, so that no call goes out with an empty subnet id.
   *
   * @param purpose - what needs the subnet, for the message (e.g. `its trunk interface`)
   * @throws AllocatorError `Invalid` naming the node when its subnet id is unknown or empty
   */
  requireSubnetId(purpose: string): string {
    const subnetId = this.subnetId;
    if (subnetId === null || subnetId === '') {
      throw new AllocatorError(
        'Invalid',
        `node ${this.name}: subnetId is unknown (EC2 reported none for instance ` +
          `${this.instanceId ?? '<none>'}), so ${purpose} cannot be created`,
      );
    }
    return subnetId;
  }
}
