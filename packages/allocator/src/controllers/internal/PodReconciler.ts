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
import { fillFromInterface, podRef, released, requireSubnetId, unbind } from '../records.js';
import type { BranchRecord, NodeRecord, PodRecord } from '../records.js';
import type { BranchReleaser } from './BranchReleaser.js';
import type { ControllerContext } from './ControllerContext.js';
import type { ControllerRecords } from './ControllerRecords.js';
import { PodGone, asAllocatorError, describeError } from './failures.js';
import type { GroupReconciler } from './GroupReconciler.js';
import type { NodeQueue } from './NodeQueue.js';
import type { RetagLane } from './RetagLane.js';

/**
 * A pod's way from "has a slot" to "annotated": create its branch (idempotent by client token),
 * associate it with the node's trunk, annotate the pod, and emit `allocated`; or, for a held
 * branch, only annotate. A failed attempt is requeued with backoff and resumes where it stopped;
 * after `requeues` attempts the pod fails until it changes. Adoptions at recovery take the same
 * path.
 */
export class PodReconciler {
  readonly #ctx: ControllerContext;
  readonly #records: ControllerRecords;
  readonly #groups: GroupReconciler;
  readonly #releaser: BranchReleaser;
  readonly #retag: RetagLane;
  readonly #queue: Pick<NodeQueue, 'pump'>;

  constructor(
    ctx: ControllerContext,
    records: ControllerRecords,
    groups: GroupReconciler,
    releaser: BranchReleaser,
    retag: RetagLane,
    queue: Pick<NodeQueue, 'pump'>,
  ) {
    this.#ctx = ctx;
    this.#records = records;
    this.#groups = groups;
    this.#releaser = releaser;
    this.#retag = retag;
    this.#queue = queue;
  }

  /**
   * Queues the creation, association and annotation of a pod's branch (a new reservation, a
   * requeued attempt, or an adoption at recovery whose interface exists already).
   */
  allocate(pod: PodRecord, branch: BranchRecord): void {
    this.#ctx.submit('critical', () => this.#allocate(pod, branch));
  }

  /** Queues the annotation of a held branch the pod took (no EC2 call). */
  reuse(pod: PodRecord, branch: BranchRecord): void {
    this.#ctx.submit('critical', () => this.#annotateReused(pod, branch));
  }

  /** A pod's requeue deadline: retries its allocation unless it was released meanwhile. */
  onDeadline(pod: PodRecord): void {
    if (pod.status !== 'allocating' || pod.branch === null) return;
    const branch = pod.branch;
    this.allocate(pod, branch);
  }

  /**
   * Creates (idempotently, by client token), associates and annotates a pod's branch; resumes
   * where a requeued attempt stopped, and finishes adoptions (interfaces created for the pod
   * before a restart) the same way.
   */
  async #allocate(pod: PodRecord, branch: BranchRecord): Promise<void> {
    const node = branch.node;
    const ledger = node.ledger;
    if (ledger === null) return;
    try {
      const trunkId = node.trunkId ?? (await this.#waitForTrunk(node));
      if (branch.eniId === null) {
        if (released(pod)) {
          unbind(pod, branch);
          ledger.unreserve(branch.vlanId);
          this.#queue.pump(node);
          return;
        }
        if (pod.requeues === 0) {
          this.#ctx.event(
            podRef(pod),
            'Normal',
            'SecurityGroupRequested',
            this.#requestedMessage(branch),
          );
        }
        const subnetId = requireSubnetId(
          node,
          `a branch interface for pod ${pod.namespace}/${pod.name}`,
        );
        const groupIds = this.#records.interner.groupIds(branch.groupKey);
        const created = await this.#ctx.ec2.call('CreateNetworkInterface', 'critical', () =>
          this.#ctx.ec2.api.createNetworkInterface({
            subnetId,
            groupIds,
            description: BRANCH_DESCRIPTION,
            tags: {
              [this.#ctx.ec2.clusterTag]: 'owned',
              [POD_UID_TAG]: pod.uid,
              [NODE_TAG]: node.name,
              [TRUNK_ENI_ID_TAG]: trunkId,
              [VLAN_ID_TAG]: String(branch.vlanId),
            },
            interfaceType: 'branch',
            clientToken: branchCreateToken(pod.uid, pod.generation),
          }),
        );
        fillFromInterface(branch, created);
        branch.taggedUid = pod.uid;
        this.#records.branches.set(created.networkInterfaceId, branch);
        this.#ctx.counters.created += 1;
      }
      const eniId = branch.eniId;
      if (eniId === null) return;
      if (released(pod) && branch.associationId === null) {
        unbind(pod, branch);
        this.#releaser.startDelete(branch, 'orphan', 'maintenance');
        return;
      }
      while (branch.associationId === null) {
        const vlanId = branch.vlanId;
        try {
          const association = await this.#ctx.ec2.call('AssociateTrunkInterface', 'critical', () =>
            this.#ctx.ec2.api.associateTrunkInterface({
              trunkInterfaceId: trunkId,
              branchInterfaceId: eniId,
              vlanId,
              clientToken: branchAssociateToken(eniId, vlanId, branch.associationGeneration ?? 0),
            }),
          );
          branch.associationId = association.associationId;
        } catch (error) {
          if (this.#ctx.signal.aborted) throw error;
          if (AllocatorError.is(error, 'NotFound')) {
            // The interface vanished (deleted out of band): the next attempt creates a new one.
            this.#records.branches.delete(eniId);
            branch.eniId = null;
            pod.generation += 1;
            throw error;
          }
          if (!AllocatorError.is(error, 'InvalidParameter')) throw error;
          // The VLAN id is taken by something we do not know, or the branch is already
          // associated (a lost response of an earlier attempt): ask the trunk.
          const existing = await this.#findAssociation(trunkId, eniId);
          if (existing !== null && ledger.rebind(branch, existing.vlanId)) {
            branch.associationId = existing.associationId;
            break;
          }
          if (existing !== null || ledger.revlan(branch) === null) throw error;
        }
      }
      if (node.subnetCidr === '' && node.subnetId !== null && node.subnetId !== '') {
        const subnet = await this.#ctx.ec2.subnet(node.subnetId);
        node.subnetCidr = subnet.cidrBlock;
        node.subnetV6Cidr = subnet.ipv6CidrBlock ?? '';
      }
      branch.subnetCidr = node.subnetCidr;
      branch.subnetV6Cidr = node.subnetV6Cidr;
      if (released(pod)) {
        unbind(pod, branch);
        this.#releaser.toHeldOrDelete(branch);
        return;
      }
      await this.#annotate(pod, branch);
    } catch (error) {
      if (this.#ctx.signal.aborted) return;
      if (error instanceof PodGone) {
        pod.moveTo('released');
        this.#records.pods.delete(pod.uid);
      }
      if (released(pod)) {
        this.#releaser.abandon(pod, branch);
        return;
      }
      this.#retryAllocation(pod, branch, asAllocatorError(error));
      return;
    }
    const detail = this.#records.detail(pod, branch);
    ledger.move(branch, 'in-use');
    if (released(pod)) {
      // Released while the annotation was written: the pod may have used it, cool it down.
      this.#releaser.coolDown(branch, detail);
      return;
    }
    pod.moveTo('allocated');
    if (branch.adopted) {
      this.#ctx.counters.adopted += 1;
      this.#ctx.events.emit('adopted', detail);
    }
    this.#ctx.events.emit('allocated', { ...detail, reused: false });
    this.#ctx.event(podRef(pod), 'Normal', 'ResourceAllocated', this.#allocatedMessage(branch));
    this.#groups.reconcileGroups(pod);
  }

  async #annotateReused(pod: PodRecord, branch: BranchRecord): Promise<void> {
    const detail = this.#records.detail(pod, branch);
    this.#ctx.event(
      podRef(pod),
      'Normal',
      'SecurityGroupRequested',
      this.#requestedMessage(branch),
    );
    try {
      await this.#annotate(pod, branch);
    } catch (error) {
      if (this.#ctx.signal.aborted) return;
      if (error instanceof PodGone || released(pod)) {
        // Never reached the pod: back to the held pool without a cooldown.
        unbind(pod, branch);
        this.#releaser.toHeldOrDelete(branch);
        return;
      }
      unbind(pod, branch);
      this.#releaser.toHeldOrDelete(branch);
      this.#allocationFailed(pod, asAllocatorError(error));
      return;
    }
    if (released(pod)) {
      this.#releaser.coolDown(branch, detail);
      return;
    }
    pod.moveTo('allocated');
    this.#ctx.counters.reused += 1;
    this.#ctx.events.emit('reused', detail);
    this.#ctx.events.emit('allocated', { ...detail, reused: true });
    this.#ctx.event(podRef(pod), 'Normal', 'ResourceAllocated', this.#allocatedMessage(branch));
    if (branch.taggedUid !== pod.uid && this.#ctx.options.retagOnReuse) this.#retag.queue(branch);
    this.#groups.reconcileGroups(pod);
  }

  /** Requeues a failed allocation with backoff, keeping what was done; gives up after `requeues`. */
  #retryAllocation(pod: PodRecord, branch: BranchRecord, error: AllocatorError): void {
    this.#ctx.counters.allocationFailures += 1;
    const node = branch.node;
    if (pod.status !== 'released' && pod.requeues < this.#ctx.options.requeues) {
      pod.requeues += 1;
      this.#ctx.events.emit('allocationFailed', {
        pod: podRef(pod),
        node: node.name,
        error,
        willRetry: true,
      });
      this.#ctx.schedule(this.#ctx.clock.now() + this.#ctx.requeueDelay(pod.requeues), {
        kind: 'pod',
        pod,
      });
      return;
    }
    // Give up: undo what exists so the capacity is not stuck, until the pod changes.
    unbind(pod, branch);
    if (branch.eniId !== null) {
      pod.generation += 1;
      this.#releaser.startDelete(branch, 'orphan', 'maintenance');
    } else {
      node.ledger?.unreserve(branch.vlanId);
    }
    if (pod.status !== 'released') {
      this.#allocationFailed(pod, error);
    }
    this.#queue.pump(node);
  }

  #allocationFailed(pod: PodRecord, error: AllocatorError): void {
    pod.moveTo('failed');
    pod.failedAt = '';
    const node = pod.node?.name ?? '';
    this.#ctx.events.emit('allocationFailed', {
      pod: podRef(pod),
      node,
      error,
      willRetry: false,
    });
    this.#ctx.event(
      podRef(pod),
      'Warning',
      'BranchAllocationFailed',
      `Failed to allocate a branch interface: ${describeError(error)}`,
    );
  }

  /** Writes the pod's annotation; throws `PodGone` when the pod (with this UID) is gone. */
  async #annotate(pod: PodRecord, branch: BranchRecord): Promise<void> {
    const annotation = encodePodEniAnnotation([this.#attachment(branch)]);
    try {
      await this.#ctx.clusterCall(() =>
        this.#ctx.cluster.annotatePod(
          { namespace: pod.namespace, name: pod.name, uid: pod.uid },
          { [POD_ENI_ANNOTATION]: annotation },
        ),
      );
    } catch (error) {
      if (AllocatorError.is(error, 'NotFound') || AllocatorError.is(error, 'Conflict')) {
        throw new PodGone(error);
      }
      throw error;
    }
  }

  #attachment(branch: BranchRecord): Parameters<typeof encodePodEniAnnotation>[0][number] {
    return {
      eniId: branch.eniId ?? '',
      ifAddress: branch.macAddress,
      privateIp: branch.privateIp,
      ipv6Addr: branch.ipv6Address,
      vlanId: branch.vlanId,
      subnetCidr: branch.subnetCidr || branch.node.subnetCidr,
      subnetV6Cidr: branch.subnetV6Cidr || branch.node.subnetV6Cidr,
      associationID: branch.associationId ?? '',
    };
  }

  async #findAssociation(
    trunkId: string,
    eniId: string,
  ): Promise<{ associationId: string; vlanId: number } | null> {
    const associations = await this.#ctx.ec2.call(
      'DescribeTrunkInterfaceAssociations',
      'critical',
      () => this.#ctx.ec2.api.describeTrunkInterfaceAssociations(trunkId),
    );
    const found = associations.find((a) => a.branchInterfaceId === eniId);
    return found === undefined
      ? null
      : { associationId: found.associationId, vlanId: found.vlanId };
  }

  /** Node preparation fills in the trunk id; adoption before that waits on the trunk, bounded. */
  async #waitForTrunk(node: NodeRecord): Promise<string> {
    for (let waited = 0; waited < this.#ctx.options.trunkAttachTimeoutMs; waited += 1_000) {
      if (node.trunkId !== null && node.status === 'ready') return node.trunkId;
      await this.#ctx.sleep(1_000);
    }
    throw new AllocatorError('Transient', `node ${node.name} has no ready trunk`);
  }

  #requestedMessage(branch: BranchRecord): string {
    return `Pod will get the following Security Groups [${this.#records.interner.groupIds(branch.groupKey).join(' ')}]`;
  }

  #allocatedMessage(branch: BranchRecord): string {
    return `Allocated ${encodePodEniAnnotation([this.#attachment(branch)])} to the pod`;
  }
}
