import { branchDisassociateToken } from '../../calculations/branchClientTokens.js';
import { planBranchSource } from '../../calculations/planBranchSource.js';
import type { BranchSourceCandidate } from '../../calculations/planBranchSource.js';
import { AllocatorError } from '../../errors/AllocatorError.js';
import { BranchRecord, unbind } from './BranchRecord.js';
import type { BranchReleaser } from './BranchReleaser.js';
import type { ControllerParts } from './ControllerParts.js';
import type { ControllerRecords } from './ControllerRecords.js';
import type { NodeBranches } from './NodeBranches.js';
import type { PodRecord } from './PodRecord.js';

/** What the mover uses of the controller. */
export type BranchMoverParts = Pick<
  ControllerParts,
  'options' | 'clock' | 'signal' | 'ec2' | 'events' | 'submit' | 'cancel'
>;

/** How the mover hands a pod on and serves a node's queue (the pod reconciler's). */
export interface BranchPlacement {
  /** The pod has its branch record: its reconcile associates and annotates it. */
  readonly placed: (pod: PodRecord) => void;
  /** Serves a node's waiting pods (a slot freed, or a wait ended). */
  readonly serve: (node: NodeBranches) => void;
}

/** What `BranchMover.serve` did for a pod that found no held branch on its node. */
export type BranchSourceOutcome = 'moved' | 'wait' | 'create';

/**
 * Branches that change node instead of being deleted on one node and created on another. A pod
 * that found no held branch of its group set on its node takes one held on another node of its
 * subnet (the node with the largest surplus): DisassociateTrunkInterface there frees that
 * node's slot and VLAN id, then the pod's allocation associates the same interface (same
 * address, MAC and groups) with its node's trunk under a VLAN id reserved here, and annotates
 * the pod. Two calls instead of create + associate here and disassociate + delete there.
 *
 * With `releaseWaitSeconds`, a pod that would create waits that long at most for a branch of its
 * group set to be released on its node or its subnet (see `planBranchSource`); a branch that
 * becomes held on another node is offered to those pods, oldest first.
 *
 * Crash safety: tags still name the node the interface was created for (rewriting them would
 * cost a third call). A move interrupted between the two calls leaves an `available` interface
 * no annotation names, which recovery and the sweeps delete (its pod gets a new branch); a moved
 * branch not in use at a restart is missing from the trunk its tags name, so recovery looks for
 * it on the other nodes' trunks and rebuilds it on the node whose trunk has it (its VLAN id
 * taken there); one in use is owned by its pod's annotation.
 */
export class BranchMover {
  readonly #ctx: BranchMoverParts;
  readonly #records: ControllerRecords;
  readonly #releaser: BranchReleaser;
  readonly #placement: BranchPlacement;
  /** Pods waiting for a release: their group set, since when, and until when. */
  readonly #waiting = new Map<
    PodRecord,
    { groupKey: string; since: number; until: number; releaseSeen: boolean }
  >();
  #offering = false;
  #wakeAt = Infinity;

  constructor(
    ctx: BranchMoverParts,
    records: ControllerRecords,
    releaser: BranchReleaser,
    placement: BranchPlacement,
  ) {
    this.#ctx = ctx;
    this.#records = records;
    this.#releaser = releaser;
    this.#placement = placement;
  }

  /**
   * For a waiting pod with no held branch on its node and a free slot there: starts a move of a
   * held branch from another node (`moved`: the pod is allocating), keeps it waiting for a
   * release (`wait`), or leaves it to create one (`create`).
   */
  serve(
    pod: PodRecord,
    node: NodeBranches,
    groupKey: string,
    fallback: boolean,
  ): BranchSourceOutcome {
    const options = this.#ctx.options;
    const subnetId = node.subnetId;
    if (!options.moveBranches && options.releaseWaitMs === 0) return 'create';
    if (subnetId === null || subnetId === '' || node.ledger === null) return 'create';
    const now = this.#ctx.clock.now();
    const waited = this.#waiting.get(pod);
    const since = waited?.since ?? now;
    const nodes = new Map<string, NodeBranches>();
    const candidates: BranchSourceCandidate[] = [];
    for (const other of this.#records.nodes.values()) {
      const ledger = other.ledger;
      if (ledger === null || other.subnetId !== subnetId) continue;
      if (other !== node && (other.status !== 'ready' || other.trunkId === null)) continue;
      nodes.set(other.name, other);
      candidates.push({
        node: other.name,
        held: ledger.countOf('held', groupKey),
        releasing: ledger.countOf('cooling', groupKey) + (other.draining.get(groupKey) ?? 0),
        inUse: ledger.countOf('in-use', groupKey),
      });
    }
    const plan = planBranchSource({
      node: node.name,
      candidates,
      moves: options.moveBranches,
      now,
      waitingSince: since,
      releaseWaitMs: options.releaseWaitMs,
      releaseSeen: waited?.releaseSeen ?? false,
    });
    if (plan.kind === 'wait') {
      const releaseSeen = plan.releaseUnderWay || (waited?.releaseSeen ?? false);
      this.#waiting.set(pod, { groupKey, since, until: plan.until, releaseSeen });
      if (plan.until < this.#wakeAt) this.#arm(plan.until);
      return 'wait';
    }
    this.#waiting.delete(pod);
    const source = plan.kind === 'move' ? nodes.get(plan.from)?.ledger?.peekHeld(groupKey) : null;
    if (source === undefined || source === null || source.eniId === null) return 'create';
    const vlanId = node.ledger.reserve();
    if (vlanId === null) return 'create';
    this.#start(pod, node, vlanId, source, fallback);
    return 'moved';
  }

  /**
   * After a node's queue was served: offers the held branches left on it (no pod there wanted
   * them) to pods of its subnet waiting for a release of their group set, oldest first.
   */
  offer(node: NodeBranches): void {
    const ledger = node.ledger;
    if (this.#waiting.size === 0 || this.#offering || ledger === null) return;
    if (node.status !== 'ready' || !this.#ctx.options.moveBranches) return;
    this.#offering = true;
    try {
      for (const [pod, wait] of this.#waiting) {
        const waitingOn = pod.node;
        if (pod.status !== 'waiting' || waitingOn === null) {
          this.#waiting.delete(pod);
          continue;
        }
        if (waitingOn === node || waitingOn.subnetId !== node.subnetId) continue;
        if (ledger.peekHeld(wait.groupKey) !== undefined) this.#placement.serve(waitingOn);
      }
    } finally {
      this.#offering = false;
    }
  }

  /** Reserves the move: the source leaves its node's pool, the pod's record takes the interface. */
  #start(
    pod: PodRecord,
    node: NodeBranches,
    vlanId: number,
    source: BranchRecord,
    fallback: boolean,
  ): void {
    const eniId = source.eniId ?? '';
    source.node.moveBranch(source, 'deleting');
    this.#ctx.cancel(source);
    source.deadline = 0;
    const target = new BranchRecord(node, vlanId, source.groupKey, 'creating');
    target.eniId = eniId;
    target.macAddress = source.macAddress;
    target.privateIp = source.privateIp;
    target.ipv6Address = source.ipv6Address;
    target.taggedUid = source.taggedUid;
    if (source.groupsUnsure === true) target.groupsUnsure = true;
    // A fresh client token: the association made on the other trunk must not be replayed.
    target.associationGeneration = (source.associationGeneration ?? 0) + 1;
    target.fallback = fallback;
    target.pod = pod;
    pod.branch = target;
    pod.moveTo('allocating');
    this.#records.branches.set(eniId, target);
    this.#ctx.submit('critical', () => this.#move(source, target, pod));
  }

  /** Disassociates the source, then hands the pod's record to the allocation path (associate). */
  async #move(source: BranchRecord, target: BranchRecord, pod: PodRecord): Promise<void> {
    const eniId = target.eniId ?? '';
    const associationId = source.associationId;
    if (pod.isReleased()) {
      // Gone before anything was sent: the branch stays held where it is.
      unbind(pod, target);
      target.node.ledger?.unreserve(target.vlanId);
      this.#records.branches.set(eniId, source);
      this.#releaser.toHeldOrDelete(source);
      this.#placement.serve(target.node);
      return;
    }
    try {
      if (associationId !== null) {
        await this.#ctx.ec2.call('DisassociateTrunkInterface', 'critical', () =>
          this.#ctx.ec2.api.disassociateTrunkInterface({
            associationId,
            clientToken: branchDisassociateToken(associationId),
          }),
        );
      }
    } catch (error) {
      if (this.#ctx.signal.aborted) return;
      if (!AllocatorError.is(error, 'NotFound')) {
        // Whether EC2 disassociated it is unknown: the delete path settles it either way, and
        // the pod gets a new interface.
        this.#ctx.events.warn(
          `could not move branch ${eniId} from node ${source.node.name}`,
          error,
        );
        this.#records.branches.set(eniId, source);
        this.#releaser.startDelete(source, 'rollback', 'maintenance');
        target.eniId = null;
        target.macAddress = '';
        target.privateIp = '';
        target.ipv6Address = '';
        target.taggedUid = null;
        this.#placement.placed(pod);
        return;
      }
    }
    source.associationId = null;
    source.node.ledger?.free(source);
    source.vlanId = 0;
    this.#ctx.events.counters.moved += 1;
    this.#ctx.events.emit('moved', {
      from: source.node.name,
      to: target.node.name,
      eniId,
      pod: pod.ref(),
    });
    this.#placement.serve(source.node);
    this.#placement.placed(pod);
  }

  /** Wakes at `until` to serve the nodes of the pods whose wait ended. */
  #arm(until: number): void {
    this.#wakeAt = until;
    const delay = Math.max(0, until - this.#ctx.clock.now());
    this.#ctx.clock.sleep(delay, this.#ctx.signal).then(
      () => {
        this.#expire();
      },
      () => undefined,
    );
  }

  #expire(): void {
    const now = this.#ctx.clock.now();
    if (now < this.#wakeAt) return;
    this.#wakeAt = Infinity;
    const due = new Set<NodeBranches>();
    for (const [pod, wait] of this.#waiting) {
      if (pod.status !== 'waiting' || pod.node === null) this.#waiting.delete(pod);
      else if (wait.until <= now) due.add(pod.node);
    }
    // Their pods create now (or wait for capacity like any other pod).
    for (const node of due) this.#placement.serve(node);
    let next = Infinity;
    for (const wait of this.#waiting.values())
      if (wait.until > now) next = Math.min(next, wait.until);
    if (next < this.#wakeAt) this.#arm(next);
  }
}
