import { branchAssociateToken, branchCreateToken } from '../../calculations/branchClientTokens.js';
import { encodePodEniAnnotation } from '../../calculations/podEniAnnotation.js';
import { AllocatorError } from '../../errors/AllocatorError.js';
import {
  BRANCH_DESCRIPTION,
  NODE_TAG,
  POD_ENI_ANNOTATION,
  POD_UID_TAG,
  TRUNK_ENI_ID_TAG,
  VLAN_ID_TAG,
} from '../../models/wellKnownNames.js';
import type { NodeLedger } from '../../services/NodeLedger.js';
import { unbind } from './BranchRecord.js';
import type { BranchRecord } from './BranchRecord.js';
import type { BranchReleaser } from './BranchReleaser.js';
import { recordQueueSettings, requeueDelay } from './ControllerParts.js';
import type { ControllerParts } from './ControllerParts.js';
import { clusterCall, sleep } from './Ec2Caller.js';
import type { ControllerRecords } from './ControllerRecords.js';
import { asAllocatorError } from '../../errors/asAllocatorError.js';
import { describeError } from '../../errors/describeError.js';
import type { GroupReconciler } from './GroupReconciler.js';
import type { NodeBranches, NodeServing } from './NodeBranches.js';
import type { PodRecord } from './PodRecord.js';
import type { RetagLane } from './RetagLane.js';
import { WorkQueue, done, terminal } from './WorkQueue.js';
import type { ReconcileResult, Reconciler } from './WorkQueue.js';

/** The parts of the controller PodReconciler uses. */
type PodReconcilerParts = Omit<ControllerParts, 'notifyIdle'>;

/** The pod an annotation was meant for is gone (deleted, or its name has a new UID). */
class PodGone extends Error {
  constructor(cause: unknown) {
    super('the pod is gone', { cause });
  }
}

/**
 * A pod's way from "scheduled" to "annotated", in order:
 * 1. scheduled: it waits in its node's queue (`schedule`) until `NodeBranches.serve` gives it a
 *    reserved slot and VLAN id, or a held branch of its group set, and adds it to the work queue;
 * 2. its node's trunk is ready; 3. its branch is created (idempotent by client token);
 * 4. associated with the trunk under its VLAN id; 5. its subnet's CIDRs are known; 6. its groups
 * set again if a change landed since 1, and the pod annotated; 7. `allocated`. A held branch has
 * 2–5 already. A failed step throws: the work queue retries the pod with backoff, and the next
 * attempt resumes where this one stopped; after `requeues` attempts the pod fails until it
 * changes. A pod released half-way gives back what it holds. Adoptions take the same path.
 */
export class PodReconciler implements Reconciler<PodRecord> {
  /** The pods on their way to annotated, by record (one per pod UID). */
  readonly queue: WorkQueue<PodRecord>;
  readonly #deps: PodReconcilerParts;
  readonly #records: ControllerRecords;
  readonly #groups: GroupReconciler;
  readonly #releaser: BranchReleaser;
  readonly #retag: RetagLane;
  /** What its nodes use to serve their queues (moves and the warm pool plug in here). */
  readonly serving: NodeServing;

  constructor(
    deps: PodReconcilerParts,
    records: ControllerRecords,
    groups: GroupReconciler,
    releaser: BranchReleaser,
    retag: RetagLane,
  ) {
    this.#deps = deps;
    this.#records = records;
    this.#groups = groups;
    this.#releaser = releaser;
    this.#retag = retag;
    this.serving = {
      reuse: deps.options.reuse,
      reuseWaitMs: deps.options.reuseWaitMs,
      paused: () => deps.rebuilding() || deps.signal.aborted,
      now: () => deps.clock.now(),
      resolve: (pod, node) => groups.resolve(pod, node),
      cancelDeadline: (branch) => {
        deps.cancel(branch);
      },
      placed: (pod) => {
        this.queue.add(pod);
      },
      makeRoom: (branch) => {
        releaser.startDelete(branch, 'capacity', 'critical');
      },
    };
    this.queue = new WorkQueue(
      this,
      recordQueueSettings<PodRecord>(
        deps,
        deps.options.requeues,
        (failures) => requeueDelay(deps.options, failures),
        (pod) => ({ kind: 'pod', pod }),
      ),
    );
  }

  /** 1. A scheduled pod queues on its node (FIFO), which serves its queue. */
  schedule(pod: PodRecord, node: NodeBranches): void {
    node.enqueue(pod, this.#records.nextSeq());
    this.serve(node);
  }

  /** Serves a node's waiting pods (its trunk is ready, or a slot or a held branch freed). */
  serve(node: NodeBranches): void {
    node.serve(this.serving);
  }

  /** Steps 2–7 for a pod its node placed (or that was adopted); see the class comment. */
  async reconcile(pod: PodRecord, failures: number): Promise<ReconcileResult> {
    const branch = pod.branch;
    if (pod.status !== 'allocating' || branch === null) return done;
    const node = branch.node;
    const ledger = node.ledger;
    if (ledger === null) return done;
    /** A held branch it took: only the annotation is missing. */
    const reused = branch.state === 'in-use';
    if (reused) this.#requested(pod, branch);
    try {
      if (!reused) {
        // 2. The node's trunk (adoptions at recovery may come before it is ready).
        const trunkId = node.trunkId ?? (await this.#waitForTrunk(node));
        // 3. Created.
        if (branch.eniId === null) {
          if (pod.isReleased()) {
            unbind(pod, branch);
            ledger.unreserve(branch.vlanId);
            this.serve(node);
            return done;
          }
          if (failures === 0) this.#requested(pod, branch);
          await this.#create(pod, branch, trunkId);
        }
        if (pod.isReleased() && branch.associationId === null) {
          unbind(pod, branch);
          this.#releaser.startDelete(branch, 'orphan', 'maintenance');
          return done;
        }
        // 4. Associated.
        if (branch.associationId === null) await this.#associate(pod, branch, trunkId, ledger);
        // 5. The subnet's CIDRs, for the annotation.
        if (node.subnetCidr === '' && node.subnetId !== null && node.subnetId !== '') {
          const subnet = await this.#deps.ec2.subnet(node.subnetId);
          node.subnetCidr = subnet.cidrBlock;
          node.subnetV6Cidr = subnet.ipv6CidrBlock ?? '';
        }
        branch.subnetCidr = node.subnetCidr;
        branch.subnetV6Cidr = node.subnetV6Cidr;
        if (pod.isReleased()) {
          unbind(pod, branch);
          this.#releaser.toHeldOrDelete(branch);
          return done;
        }
      }
      // 6. Annotated, with the groups its policies resolve to now.
      if (this.#groups.groupsStale(pod, branch)) await this.#groups.matchGroups(pod, branch);
      await this.#annotate(pod, branch);
    } catch (error) {
      if (this.#deps.signal.aborted) return done;
      if (reused) {
        // Never reached the pod: back to the held pool without a cooldown.
        unbind(pod, branch);
        this.#releaser.toHeldOrDelete(branch);
        if (error instanceof PodGone || pod.isReleased()) return done;
        const failure = asAllocatorError(error);
        this.#allocationFailed(pod, failure);
        return terminal(failure);
      }
      if (error instanceof PodGone) {
        pod.moveTo('released');
        this.#records.pods.delete(pod.uid);
      }
      if (pod.isReleased()) {
        this.#releaser.abandon(pod, branch);
        return done;
      }
      throw error;
    }
    // 7. Allocated.
    const detail = this.#records.detail(pod, branch);
    if (!reused) node.moveBranch(branch, 'in-use');
    if (pod.isReleased()) {
      // Released while the annotation was written: the pod may have used it, cool it down.
      this.#releaser.coolDown(branch, detail);
      return done;
    }
    pod.moveTo('allocated');
    if (reused) {
      this.#deps.events.counters.reused += 1;
      this.#deps.events.emit('reused', detail);
    } else if (branch.adopted) {
      this.#deps.events.counters.adopted += 1;
      this.#deps.events.emit('adopted', detail);
    }
    this.#deps.events.emit('allocated', { ...detail, reused });
    this.#deps.events.record(
      pod.ref(),
      'Normal',
      'ResourceAllocated',
      this.#allocatedMessage(branch),
    );
    if (reused && branch.taggedUid !== pod.uid && this.#deps.options.retagOnReuse) {
      this.#retag.queue(branch);
    }
    this.#groups.reconcileGroups(pod);
    return done;
  }

  /**
   * A failed attempt (the queue retries it with backoff), or the last one: then what exists is
   * undone so that the capacity is not stuck, and the pod fails until it changes.
   */
  failed(pod: PodRecord, error: AllocatorError, willRetry: boolean): void {
    this.#deps.events.counters.allocationFailures += 1;
    const branch = pod.branch;
    if (branch === null) return;
    const node = branch.node;
    if (pod.status !== 'released' && willRetry) {
      this.#deps.events.emit('allocationFailed', {
        pod: pod.ref(),
        node: node.name,
        error,
        willRetry: true,
      });
      return;
    }
    unbind(pod, branch);
    if (branch.eniId !== null) {
      pod.generation += 1;
      this.#releaser.startDelete(branch, 'orphan', 'maintenance');
    } else {
      node.ledger?.unreserve(branch.vlanId);
    }
    if (pod.status !== 'released') this.#allocationFailed(pod, error);
    this.serve(node);
  }

  /**
   * The pod is deleted or finished: its branch cools down, or a pending allocation stops (one
   * waiting for its retry is undone here; a running one sees the release at its next step).
   */
  release(pod: PodRecord): void {
    this.#records.pods.delete(pod.uid);
    const previous = pod.status;
    pod.moveTo('released');
    const branch = pod.branch;
    if (branch === null) return;
    if (previous === 'allocated') {
      branch.node.undrain(pod, branch);
      const detail = this.#records.detail(pod, branch);
      unbind(pod, branch);
      this.#releaser.coolDown(branch, detail);
    } else if (previous === 'allocating' && branch.state === 'creating') {
      if (this.queue.cancel(pod)) this.#releaser.abandon(pod, branch);
    }
  }

  /** 3. Creates the branch, tagged for discovery, idempotently by the pod's client token. */
  async #create(pod: PodRecord, branch: BranchRecord, trunkId: string): Promise<void> {
    const node = branch.node;
    const subnetId = node.requireSubnetId(
      `a branch interface for pod ${pod.namespace}/${pod.name}`,
    );
    const groupIds = this.#records.interner.groupIds(branch.groupKey);
    const created = await this.#deps.ec2.call('CreateNetworkInterface', 'critical', () =>
      this.#deps.ec2.api.createNetworkInterface({
        subnetId,
        groupIds,
        description: BRANCH_DESCRIPTION,
        tags: {
          [this.#deps.ec2.clusterTag]: 'owned',
          [POD_UID_TAG]: pod.uid,
          [NODE_TAG]: node.name,
          [TRUNK_ENI_ID_TAG]: trunkId,
          [VLAN_ID_TAG]: String(branch.vlanId),
        },
        interfaceType: 'branch',
        clientToken: branchCreateToken(pod.uid, pod.generation),
      }),
    );
    branch.fillFrom(created);
    branch.taggedUid = pod.uid;
    this.#records.branches.set(created.networkInterfaceId, branch);
    this.#deps.events.counters.created += 1;
  }

  /**
   * 4. Associates the branch under its VLAN id. A VLAN id EC2 refuses is taken by something
   * unknown (another is tried) or already ours (a lost response: the trunk is asked); an
   * interface that vanished is created anew by the next attempt.
   */
  async #associate(
    pod: PodRecord,
    branch: BranchRecord,
    trunkId: string,
    ledger: NodeLedger<BranchRecord>,
  ): Promise<void> {
    const eniId = branch.eniId;
    if (eniId === null) return;
    while (branch.associationId === null) {
      const vlanId = branch.vlanId;
      try {
        const association = await this.#deps.ec2.call('AssociateTrunkInterface', 'critical', () =>
          this.#deps.ec2.api.associateTrunkInterface({
            trunkInterfaceId: trunkId,
            branchInterfaceId: eniId,
            vlanId,
            clientToken: branchAssociateToken(eniId, vlanId, branch.associationGeneration ?? 0),
          }),
        );
        branch.associationId = association.associationId;
      } catch (error) {
        if (this.#deps.signal.aborted) throw error;
        if (AllocatorError.is(error, 'NotFound')) {
          this.#records.branches.delete(eniId);
          branch.eniId = null;
          pod.generation += 1;
          throw error;
        }
        if (!AllocatorError.is(error, 'InvalidParameter')) throw error;
        const existing = await this.#deps.ec2.findAssociation(trunkId, eniId);
        if (existing !== null && ledger.rebind(branch, existing.vlanId)) {
          branch.associationId = existing.associationId;
          return;
        }
        if (existing !== null || ledger.revlan(branch) === null) throw error;
      }
    }
  }

  /**
   * 6. Writes the pod's annotation with a patch that carries its UID. The API server answers a
   * `Conflict` both for a transient conflict and for a name that now belongs to a replaced pod:
   * the pod is read again by name, and the patch is sent again while the name still has this
   * UID (up to `callAttempts` times; then the work queue retries later).
   *
   * @throws PodGone when the pod with this UID is gone (not found, or the name has a new UID)
   */
  async #annotate(pod: PodRecord, branch: BranchRecord): Promise<void> {
    const target = { namespace: pod.namespace, name: pod.name, uid: pod.uid };
    const annotations = {
      [POD_ENI_ANNOTATION]: encodePodEniAnnotation([branch.attachment()]),
    };
    for (let attempt = 1; ; attempt++) {
      try {
        await clusterCall(this.#deps, () => this.#deps.cluster.annotatePod(target, annotations));
        return;
      } catch (error) {
        if (AllocatorError.is(error, 'NotFound')) throw new PodGone(error);
        if (!AllocatorError.is(error, 'Conflict')) throw error;
        const current = await clusterCall(this.#deps, () =>
          this.#deps.cluster.getPod(pod.namespace, pod.name),
        );
        if (current?.uid !== pod.uid) throw new PodGone(error);
        if (attempt >= this.#deps.options.callAttempts) throw error;
      }
    }
  }

  #allocationFailed(pod: PodRecord, error: AllocatorError): void {
    pod.moveTo('failed');
    this.#deps.events.emit('allocationFailed', {
      pod: pod.ref(),
      node: pod.node?.name ?? '',
      error,
      willRetry: false,
    });
    this.#deps.events.record(
      pod.ref(),
      'Warning',
      'BranchAllocationFailed',
      `Failed to allocate a branch interface: ${describeError(error)}`,
    );
  }

  /** Node preparation fills in the trunk id; adoption before that waits on the trunk, bounded. */
  async #waitForTrunk(node: NodeBranches): Promise<string> {
    for (let waited = 0; waited < this.#deps.options.trunkAttachTimeoutMs; waited += 1_000) {
      if (node.trunkId !== null && node.status === 'ready') return node.trunkId;
      await sleep(this.#deps, 1_000);
    }
    throw new AllocatorError('Transient', `node ${node.name} has no ready trunk`);
  }

  #requested(pod: PodRecord, branch: BranchRecord): void {
    const groupIds = this.#records.interner.groupIds(branch.groupKey).join(' ');
    this.#deps.events.record(
      pod.ref(),
      'Normal',
      'SecurityGroupRequested',
      `Pod will get the following Security Groups [${groupIds}]`,
    );
  }

  #allocatedMessage(branch: BranchRecord): string {
    return `Allocated ${encodePodEniAnnotation([branch.attachment()])} to the pod`;
  }
}
