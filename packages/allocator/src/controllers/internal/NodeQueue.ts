import type { NodeLedger } from '../../services/NodeLedger.js';
import { BranchRecord } from '../records.js';
import type { NodeRecord, PodRecord } from '../records.js';
import { BranchMover } from './BranchMover.js';
import type { BranchReleaser } from './BranchReleaser.js';
import type { ControllerContext } from './ControllerContext.js';
import type { ControllerRecords } from './ControllerRecords.js';
import type { GroupReconciler } from './GroupReconciler.js';
import { PodReconciler } from './PodReconciler.js';
import type { RetagLane } from './RetagLane.js';
import { WarmPool } from './WarmPool.js';

/**
 * The pods waiting for a branch: one FIFO queue per node, served by `pump` (a held branch of the
 * pod's group set without any EC2 call, else a free slot and VLAN id, else wait, making room by
 * deleting held branches nobody waiting wants). A pod that gets a branch goes on to its
 * `PodReconciler`, which creates, associates and annotates.
 */
export class NodeQueue {
  /** Takes each pod that got a slot or a held branch the rest of the way to annotated. */
  readonly reconciler: PodReconciler;
  /** Moves held branches between nodes of a subnet and keeps pods waiting for releases. */
  readonly mover: BranchMover;
  /** Keeps warm branches on idle nodes (`warmPool`). */
  readonly warmPool: WarmPool;
  readonly #ctx: ControllerContext;
  readonly #records: ControllerRecords;
  readonly #groups: GroupReconciler;
  readonly #releaser: BranchReleaser;

  constructor(
    ctx: ControllerContext,
    records: ControllerRecords,
    groups: GroupReconciler,
    releaser: BranchReleaser,
    retag: RetagLane,
  ) {
    this.#ctx = ctx;
    this.#records = records;
    this.#groups = groups;
    this.#releaser = releaser;
    this.reconciler = new PodReconciler(ctx, records, groups, releaser, retag, this);
    this.mover = new BranchMover(ctx, records, releaser, this.reconciler, this);
    this.warmPool = new WarmPool(ctx, records, releaser, this);
  }

  /** Queues a scheduled pod on its node (FIFO) and serves the queue. */
  enqueue(pod: PodRecord, node: NodeRecord): void {
    pod.moveTo('waiting');
    pod.node = node;
    pod.seq = this.#records.nextSeq();
    node.waiting.push(pod);
    this.pump(node);
  }

  /**
   * Serves a node's queue in order: a pod takes a held branch of its group set (no EC2 call),
   * else a free slot (create + associate), else waits; held branches of other group sets are
   * deleted to make room for waiting pods.
   */
  pump(node: NodeRecord): void {
    const ledger = node.ledger;
    if (
      node.status !== 'ready' ||
      ledger === null ||
      this.#ctx.rebuilding ||
      this.#ctx.signal.aborted
    ) {
      return;
    }
    const queue = node.waiting;
    let blocked = 0;
    const wanted = new Set<string>();
    /** Cooling interfaces promised to earlier pods of this pass, by group set. */
    const promised = new Map<string, number>();
    let index = node.head;
    for (; index < queue.length; index++) {
      const pod = queue[index];
      if (pod === undefined) break;
      if (pod.status !== 'waiting' || pod.node !== node) {
        if (index === node.head) node.head += 1;
        continue;
      }
      const { groupKey, fallback } = this.#groups.resolve(pod, node);
      if (this.#ctx.options.reuse) {
        const held = ledger.peekHeld(groupKey);
        if (held !== undefined) {
          this.#takeHeld(pod, held, fallback);
          if (index === node.head) node.head += 1;
          continue;
        }
      }
      if (this.#ctx.options.reuseWaitMs > 0 && this.#coolingFor(node, ledger, groupKey, promised)) {
        continue;
      }
      if (blocked === 0 && ledger.hasFreeSlot()) {
        const source = this.mover.serve(pod, node, groupKey, fallback);
        if (source === 'moved' && index === node.head) node.head += 1;
        if (source !== 'create') continue;
      }
      if (blocked === 0) {
        const vlanId = ledger.reserve();
        if (vlanId !== null) {
          if (index === node.head) node.head += 1;
          const branch = new BranchRecord(node, vlanId, groupKey, 'creating');
          branch.fallback = fallback;
          branch.pod = pod;
          pod.branch = branch;
          pod.moveTo('allocating');
          pod.requeues = 0;
          this.reconciler.allocate(pod, branch);
          continue;
        }
      }
      blocked += 1;
      wanted.add(groupKey);
    }
    if (node.head > 64 && node.head * 2 > queue.length) {
      node.waiting = queue.slice(node.head);
      node.head = 0;
    }
    // Make room: delete held branches nobody waiting wants, one per blocked pod not yet covered.
    let freeing = ledger.count('deleting');
    while (blocked > freeing) {
      const victim = ledger.heldVictim(wanted);
      if (victim === undefined) break;
      this.#releaser.startDelete(victim, 'capacity', 'critical');
      freeing += 1;
    }
    this.mover.offer(node);
    this.warmPool.refill(node);
  }

  /** Whether a cooling interface of the group set, not promised yet, ends its cooldown soon. */
  #coolingFor(
    node: NodeRecord,
    ledger: NodeLedger<BranchRecord>,
    groupKey: string,
    promised: Map<string, number>,
  ): boolean {
    const horizon = this.#ctx.clock.now() + this.#ctx.options.reuseWaitMs;
    // Interfaces of terminating pods of the group set count too: they cool down next.
    let available = (node.draining.get(groupKey) ?? 0) - (promised.get(groupKey) ?? 0);
    if (available > 0) {
      promised.set(groupKey, (promised.get(groupKey) ?? 0) + 1);
      return true;
    }
    for (const branch of ledger.cooling(groupKey)) {
      if (branch.deadline <= horizon) available += 1;
      if (available > 0) {
        promised.set(groupKey, (promised.get(groupKey) ?? 0) + 1);
        return true;
      }
    }
    return false;
  }

  #takeHeld(pod: PodRecord, branch: BranchRecord, fallback: boolean): void {
    const ledger = branch.node.ledger;
    if (ledger === null) return;
    ledger.move(branch, 'in-use');
    this.#ctx.timer.cancel(branch);
    branch.deadline = 0;
    branch.pod = pod;
    branch.fallback = fallback;
    pod.branch = branch;
    pod.moveTo('allocating');
    pod.requeues = 0;
    this.reconciler.reuse(pod, branch);
  }
}
