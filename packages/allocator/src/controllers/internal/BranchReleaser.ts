import { branchDisassociateToken } from '../../calculations/branchClientTokens.js';
import { AllocatorError } from '../../errors/AllocatorError.js';
import type { BranchEventDetail, DeletionReason } from '../../models/BranchControllerEvents.js';
import type { ClusterNode } from '../../models/ClusterObjects.js';
import type { NetworkInterface } from '../../models/NetworkInterface.js';
import type { ReleasedBranch } from '../../models/ReleasedBranch.js';
import type { CallPriority } from '../../models/RateLimit.js';
import type { TaskPriority } from '../../services/WorkerPool.js';
import { unbind } from './BranchRecord.js';
import type { BranchRecord } from './BranchRecord.js';
import type { NodeBranches } from './NodeBranches.js';
import type { PodRecord } from './PodRecord.js';
import type { ControllerParts } from './ControllerParts.js';
import { requeueDelay } from './ControllerParts.js';
import type { ControllerRecords } from './ControllerRecords.js';
import type { RetagLane } from './RetagLane.js';

/** The parts of the controller BranchReleaser uses. */
type BranchReleaserParts = Pick<
  ControllerParts,
  | 'options'
  | 'clock'
  | 'signal'
  | 'ec2'
  | 'events'
  | 'submit'
  | 'schedule'
  | 'cancel'
  | 'rebuilding'
>;

/**
 * Whether a confirmed release is for this cooling branch and the pod whose release this
 * controller saw. A branch found cooling at recovery has no such pod: its pod-uid tag may be a
 * stale one of an earlier pod (the rewrite after a reuse runs in the background), whose old
 * confirmation would end the cooldown of the later pod's traffic, so it keeps the cooldown.
 */
function confirms(entry: ReleasedBranch, branch: BranchRecord): boolean {
  return (
    branch.state === 'cooling' &&
    branch.eniId === entry.eniId &&
    branch.vlanId === entry.vlanId &&
    branch.releasedUid === entry.podUid
  );
}

/**
 * The end of a branch's life: a released pod's interface cools down for `cooldownSeconds`, or
 * until its node's agent confirms that the pod's VLAN device is gone; then it is held for reuse
 * by a pod of the same group set, and is deleted after `recycleSeconds`, when its slot is
 * needed, or at once under `strategy: 'baseline'`. Deletes disassociate first, free the slot
 * and VLAN id, and retry with backoff; interfaces no record explains (found at recovery or by a
 * sweep) are deleted here too.
 */
export class BranchReleaser {
  readonly #deps: BranchReleaserParts;
  readonly #records: ControllerRecords;
  readonly #retag: RetagLane;
  readonly #serve: (node: NodeBranches) => void;

  /** @param serve - serves a node's waiting pods (after a slot or a held branch frees) */
  constructor(
    deps: BranchReleaserParts,
    records: ControllerRecords,
    retag: RetagLane,
    serve: (node: NodeBranches) => void,
  ) {
    this.#deps = deps;
    this.#records = records;
    this.#retag = retag;
    this.#serve = serve;
  }

  /** In-use → cooling for `cooldownSeconds`. */
  coolDown(branch: BranchRecord, detail: BranchEventDetail): void {
    if (branch.pod !== null) unbind(branch.pod, branch);
    if (branch.node.ledger !== null && branch.state === 'in-use') {
      branch.node.moveBranch(branch, 'cooling');
    }
    this.#retag.forget(branch);
    branch.releasedUid = detail.pod.uid;
    branch.deadline = this.#deps.clock.now() + this.#deps.options.cooldownMs;
    this.#deps.schedule(branch.deadline, { kind: 'branch', branch });
    this.#deps.events.emit('released', detail);
    // The node agent may have confirmed before the pod's deletion reached us.
    const confirmation = branch.node.releasedBranches.find((entry) => confirms(entry, branch));
    if (confirmation !== undefined) this.#endCooldown(branch, confirmation);
  }

  /**
   * Follows a Node's confirmed releases (`ClusterNode.releasedBranches`): keeps them for the
   * branches that start cooling later, reports new warnings about the annotation, and ends the
   * cooldown of each cooling branch of the node they confirm.
   */
  followConfirmations(node: NodeBranches, clusterNode: ClusterNode): void {
    node.releasedBranches = clusterNode.releasedBranches ?? [];
    const warnings = clusterNode.releasedBranchesWarnings ?? [];
    const key = warnings.join('\n');
    if (key !== node.releasedBranchesWarnings) {
      node.releasedBranchesWarnings = key;
      for (const warning of warnings) this.#deps.events.warn(`node ${node.name}: ${warning}`);
    }
    if (!this.#deps.rebuilding()) this.#applyConfirmations(node);
  }

  /**
   * Ends at once the cooldown of each branch cooling on the node that one of its confirmed
   * releases names: same interface, same VLAN id, and the pod that released it. Anything else
   * is ignored, so a stale or forged entry can at worst do nothing.
   */
  #applyConfirmations(node: NodeBranches): void {
    for (const entry of node.releasedBranches) {
      const branch = this.#records.branches.get(entry.eniId);
      if (branch !== undefined && branch.node === node && confirms(entry, branch)) {
        this.#endCooldown(branch, entry);
      }
    }
  }

  /** Cooling → held (or deleted) before the cooldown ends: the node confirmed the release. */
  #endCooldown(branch: BranchRecord, entry: ReleasedBranch): void {
    this.#deps.cancel(branch);
    branch.deadline = 0;
    this.#deps.events.counters.releasesConfirmed += 1;
    this.#deps.events.emit('releaseConfirmed', {
      node: branch.node.name,
      eniId: entry.eniId,
      vlanId: entry.vlanId,
      podUid: entry.podUid,
    });
    this.#cooled(branch);
  }

  /** A branch whose cooldown ended goes to the held pool, or is deleted. */
  #cooled(branch: BranchRecord): void {
    if (this.#deps.options.reuse) this.toHeldOrDelete(branch);
    else this.startDelete(branch, 'cooldown', 'maintenance');
  }

  /** A branch no pod used (or that cooled down) goes to the held pool, or is deleted (baseline). */
  toHeldOrDelete(branch: BranchRecord): void {
    const ledger = branch.node.ledger;
    if (ledger === null || !this.#deps.options.reuse || this.#deps.options.recycleMs === 0) {
      this.startDelete(branch, this.#deps.options.reuse ? 'recycled' : 'cooldown', 'maintenance');
      return;
    }
    branch.node.moveBranch(branch, 'held');
    branch.deadline = this.#deps.clock.now() + this.#deps.options.recycleMs;
    this.#deps.schedule(branch.deadline, { kind: 'branch', branch });
    this.#deps.events.emit('held', {
      node: branch.node.name,
      eniId: branch.eniId ?? '',
      vlanId: branch.vlanId,
      groupIds: this.#records.interner.groupIds(branch.groupKey),
    });
    this.#serve(branch.node);
  }

  /** Moves a branch to `deleting` and queues its deletion. */
  startDelete(branch: BranchRecord, reason: DeletionReason, priority: TaskPriority): void {
    if (branch.state !== 'deleting') branch.node.moveBranch(branch, 'deleting');
    this.#retag.forget(branch);
    this.#deps.cancel(branch);
    branch.deadline = 0;
    this.#deps.submit(priority, () => this.deleteBranch(branch, reason, priority));
  }

  /** Disassociates and deletes a branch, retrying with backoff; sweeps take over after that. */
  async deleteBranch(
    branch: BranchRecord,
    reason: DeletionReason,
    priority: TaskPriority,
  ): Promise<void> {
    const callPriority: CallPriority = priority;
    const eniId = branch.eniId;
    try {
      if (branch.associationId !== null) {
        const associationId = branch.associationId;
        try {
          await this.#deps.ec2.call('DisassociateTrunkInterface', callPriority, () =>
            this.#deps.ec2.api.disassociateTrunkInterface({
              associationId,
              clientToken: branchDisassociateToken(associationId),
            }),
          );
        } catch (error) {
          if (!AllocatorError.is(error, 'NotFound')) throw error;
        }
        branch.associationId = null;
        // A later association of this branch must not replay the one just removed.
        branch.associationGeneration = (branch.associationGeneration ?? 0) + 1;
      }
      this.#freeSlot(branch);
      if (eniId !== null) {
        try {
          await this.#deps.ec2.call('DeleteNetworkInterface', callPriority, () =>
            this.#deps.ec2.api.deleteNetworkInterface(eniId),
          );
        } catch (error) {
          if (!AllocatorError.is(error, 'NotFound')) throw error;
        }
        this.#records.branches.delete(eniId);
        this.#deps.events.counters.deleted += 1;
        this.#deps.events.emit('deleted', { node: branch.node.name, eniId, reason });
      }
    } catch (error) {
      if (this.#deps.signal.aborted) return;
      branch.deleteFailures += 1;
      this.#deps.events.warn(`could not delete branch ${eniId ?? '?'} (${reason})`, error);
      // Retry later, bounded; after that the garbage collector's sweeps take over.
      if (branch.deleteFailures <= this.#deps.options.requeues) {
        this.#deps.schedule(
          this.#deps.clock.now() + requeueDelay(this.#deps.options, branch.deleteFailures),
          {
            kind: 'branch',
            branch,
          },
        );
      } else if (eniId !== null && branch.associationId === null) {
        this.#records.branches.delete(eniId);
      }
    }
  }

  /** Frees the slot and VLAN of a disassociated branch and serves the node's queue. */
  #freeSlot(branch: BranchRecord): void {
    if (branch.vlanId === 0) return;
    branch.node.ledger?.free(branch);
    branch.vlanId = 0;
    this.#serve(branch.node);
  }

  /** Deletes an interface found at recovery or by a sweep that no record explains. */
  deleteUnknown(
    eni: NetworkInterface,
    node: NodeBranches | null,
    reason: DeletionReason,
    associationId?: string,
  ): void {
    const eniId = eni.networkInterfaceId;
    this.#deps.submit('maintenance', async () => {
      if (associationId !== undefined) {
        try {
          await this.#deps.ec2.call('DisassociateTrunkInterface', 'maintenance', () =>
            this.#deps.ec2.api.disassociateTrunkInterface({
              associationId,
              clientToken: branchDisassociateToken(associationId),
            }),
          );
        } catch (error) {
          if (!AllocatorError.is(error, 'NotFound')) throw error;
        }
      }
      try {
        await this.#deps.ec2.call('DeleteNetworkInterface', 'maintenance', () =>
          this.#deps.ec2.api.deleteNetworkInterface(eniId),
        );
      } catch (error) {
        if (!AllocatorError.is(error, 'NotFound')) throw error;
      }
      this.#deps.events.counters.deleted += 1;
      this.#deps.events.emit('deleted', { node: node?.name ?? null, eniId, reason });
    });
  }

  /**
   * Stops a pod's allocation half-way: an associated branch goes to the held pool, a created
   * one is deleted, a reservation frees its VLAN id.
   */
  abandon(pod: PodRecord, branch: BranchRecord): void {
    unbind(pod, branch);
    if (branch.associationId !== null) this.toHeldOrDelete(branch);
    else if (branch.eniId !== null) this.startDelete(branch, 'orphan', 'maintenance');
    else {
      branch.node.ledger?.unreserve(branch.vlanId);
      this.#serve(branch.node);
    }
  }

  /** A branch's deadline: the end of its cooldown or hold, or a delete retry. */
  onDeadline(branch: BranchRecord): void {
    branch.deadline = 0;
    if (branch.state === 'cooling') {
      this.#deps.events.counters.cooldownsExpired += 1;
      this.#cooled(branch);
    } else if (branch.state === 'held') {
      this.startDelete(branch, 'recycled', 'maintenance');
    } else if (branch.state === 'deleting') {
      this.#deps.submit('maintenance', () => this.deleteBranch(branch, 'orphan', 'maintenance'));
    }
  }
}
