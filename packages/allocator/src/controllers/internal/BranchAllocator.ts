import { branchAssociateToken, branchCreateToken } from '../../calculations/branchClientTokens.js';
import { encodePodEniAnnotation } from '../../calculations/encodePodEniAnnotation.js';
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
import { BranchRecord, fillFromInterface } from '../records.js';
import type { NodeRecord, PodRecord } from '../records.js';
import { released, unbind } from './bindings.js';
import type { BranchReleaser } from './BranchReleaser.js';
import type { ControllerContext } from './ControllerContext.js';
import { PodGone, asAllocatorError, describeError } from './failures.js';
import type { GroupReconciler } from './GroupReconciler.js';
import { requireSubnetId } from './nodeSubnet.js';
import type { RetagLane } from './RetagLane.js';

/**
 * Giving pods their branches: one FIFO queue per node, served by `pump` (a held branch of the
 * pod's group set without any EC2 call, else a free slot and VLAN id, else wait); then create
 * (idempotent by client token), associate with the trunk and annotate the pod, resuming where
 * a requeued attempt stopped, with backoff and a bounded number of requeues.
 */
export class BranchAllocator {
  readonly #ctx: ControllerContext;
  readonly #groups: GroupReconciler;
  readonly #releaser: BranchReleaser;
  readonly #retag: RetagLane;
  /** Pods whose failed allocation waits on a requeue deadline (no task runs for them). */
  readonly #parked = new Set<PodRecord>();

  constructor(
    ctx: ControllerContext,
    groups: GroupReconciler,
    releaser: BranchReleaser,
    retag: RetagLane,
  ) {
    this.#ctx = ctx;
    this.#groups = groups;
    this.#releaser = releaser;
    this.#retag = retag;
  }

  /** Finishes an allocation whose branch exists already (an adoption at recovery). */
  finish(pod: PodRecord, branch: BranchRecord): void {
    this.#ctx.submit('critical', () => this.#allocate(pod, branch));
  }

  /** Cancels the pod's requeue deadline; whether one was pending. */
  unpark(pod: PodRecord): boolean {
    return this.#parked.delete(pod);
  }

  /** A pod's requeue deadline: retries its allocation unless overtaken. */
  onDeadline(pod: PodRecord, stamp: number): void {
    this.#parked.delete(pod);
    if (stamp !== pod.stamp || pod.status !== 'allocating' || pod.branch === null) return;
    const branch = pod.branch;
    this.#ctx.submit('critical', () => this.#allocate(pod, branch));
  }

  /** Queues a scheduled pod on its node (FIFO) and serves the queue. */
  enqueue(pod: PodRecord, node: NodeRecord): void {
    pod.moveTo('waiting');
    pod.node = node;
    pod.seq = this.#ctx.nextSeq();
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
          this.#ctx.submit('critical', () => this.#allocate(pod, branch));
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
    branch.stamp += 1;
    branch.deadline = 0;
    branch.pod = pod;
    branch.fallback = fallback;
    pod.branch = branch;
    pod.moveTo('allocating');
    pod.requeues = 0;
    this.#ctx.submit('critical', () => this.#annotateReused(pod, branch));
  }

  async #annotateReused(pod: PodRecord, branch: BranchRecord): Promise<void> {
    const detail = this.#ctx.detail(pod, branch);
    this.#ctx.event(
      this.#ctx.podRef(pod),
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
    this.#ctx.event(
      this.#ctx.podRef(pod),
      'Normal',
      'ResourceAllocated',
      this.#allocatedMessage(branch),
    );
    if (branch.taggedUid !== pod.uid && this.#ctx.options.retagOnReuse) this.#retag.queue(branch);
    this.#groups.reconcileGroups(pod);
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
          this.pump(node);
          return;
        }
        if (pod.requeues === 0) {
          this.#ctx.event(
            this.#ctx.podRef(pod),
            'Normal',
            'SecurityGroupRequested',
            this.#requestedMessage(branch),
          );
        }
        const subnetId = requireSubnetId(
          node,
          `a branch interface for pod ${pod.namespace}/${pod.name}`,
        );
        const groupIds = this.#ctx.interner.groupIds(branch.groupKey);
        const created = await this.#ctx.call('CreateNetworkInterface', 'critical', () =>
          this.#ctx.ec2.createNetworkInterface({
            subnetId,
            groupIds,
            description: BRANCH_DESCRIPTION,
            tags: {
              [this.#ctx.clusterTag]: 'owned',
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
        this.#ctx.branches.set(created.networkInterfaceId, branch);
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
          const association = await this.#ctx.call('AssociateTrunkInterface', 'critical', () =>
            this.#ctx.ec2.associateTrunkInterface({
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
            this.#ctx.branches.delete(eniId);
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
        const subnet = await this.#ctx.subnet(node.subnetId);
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
        this.#ctx.pods.delete(pod.uid);
      }
      if (released(pod)) {
        this.#releaser.abandon(pod, branch);
        return;
      }
      this.#retryAllocation(pod, branch, asAllocatorError(error));
      return;
    }
    const detail = this.#ctx.detail(pod, branch);
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
    this.#ctx.event(
      this.#ctx.podRef(pod),
      'Normal',
      'ResourceAllocated',
      this.#allocatedMessage(branch),
    );
    this.#groups.reconcileGroups(pod);
  }

  /** Requeues a failed allocation with backoff, keeping what was done; gives up after `requeues`. */
  #retryAllocation(pod: PodRecord, branch: BranchRecord, error: AllocatorError): void {
    this.#ctx.counters.allocationFailures += 1;
    const node = branch.node;
    if (pod.status !== 'released' && pod.requeues < this.#ctx.options.requeues) {
      pod.requeues += 1;
      pod.stamp += 1;
      this.#ctx.events.emit('allocationFailed', {
        pod: this.#ctx.podRef(pod),
        node: node.name,
        error,
        willRetry: true,
      });
      this.#parked.add(pod);
      this.#ctx.schedule(this.#ctx.clock.now() + this.#ctx.requeueDelay(pod.requeues), {
        kind: 'pod',
        pod,
        stamp: pod.stamp,
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
    this.pump(node);
  }

  #allocationFailed(pod: PodRecord, error: AllocatorError): void {
    pod.moveTo('failed');
    pod.failedAt = '';
    const node = pod.node?.name ?? '';
    this.#ctx.events.emit('allocationFailed', {
      pod: this.#ctx.podRef(pod),
      node,
      error,
      willRetry: false,
    });
    this.#ctx.event(
      this.#ctx.podRef(pod),
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
    const associations = await this.#ctx.call(
      'DescribeTrunkInterfaceAssociations',
      'critical',
      () => this.#ctx.ec2.describeTrunkInterfaceAssociations(trunkId),
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
    return `Pod will get the following Security Groups [${this.#ctx.interner.groupIds(branch.groupKey).join(' ')}]`;
  }

  #allocatedMessage(branch: BranchRecord): string {
    return `Allocated ${encodePodEniAnnotation([this.#attachment(branch)])} to the pod`;
  }
}
