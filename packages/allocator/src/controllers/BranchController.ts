import type TE from 'typed-emitter';
import {
  branchAssociateToken,
  branchCreateToken,
  branchDisassociateToken,
  trunkCreateToken,
} from '../calculations/branchClientTokens.js';
import { decodePodEniAnnotation } from '../calculations/decodePodEniAnnotation.js';
import { encodePodEniAnnotation } from '../calculations/encodePodEniAnnotation.js';
import { highestFreeDeviceIndex } from '../calculations/highestFreeDeviceIndex.js';
import { instanceLimits } from '../calculations/instanceLimits.js';
import { AllocatorError } from '../errors/AllocatorError.js';
import type {
  BranchControllerEvents,
  BranchEventDetail,
  DeletionReason,
} from '../models/BranchControllerEvents.js';
import type {
  BranchControllerOptions,
  ResolvedBranchControllerOptions,
} from '../models/BranchControllerOptions.js';
import type { BranchState } from '../models/BranchState.js';
import type { ClusterChange, ClusterNode, ClusterPod } from '../models/ClusterObjects.js';
import type { ControllerInspection, NodeView, BranchView } from '../models/ControllerInspection.js';
import type { ControllerStats } from '../models/ControllerStats.js';
import type { NetworkInterface } from '../models/NetworkInterface.js';
import type { CallPriority } from '../models/RateLimit.js';
import {
  BRANCH_DESCRIPTION,
  HAS_TRUNK_ATTACHED_LABEL,
  NODE_TAG,
  POD_ENI_ANNOTATION,
  POD_ENI_RESOURCE,
  POD_UID_TAG,
  TRUNK_DESCRIPTION,
  TRUNK_ENI_ID_TAG,
  VLAN_ID_TAG,
} from '../models/wellKnownNames.js';
import type { Clock } from '../ports/Clock.js';
import type { ClusterApi } from '../ports/ClusterApi.js';
import type { NetworkInterfaceApi } from '../ports/NetworkInterfaceApi.js';
import { NodeLedger } from '../services/NodeLedger.js';
import type { TaskPriority } from '../services/WorkerPool.js';
import { ControllerContext } from './internal/ControllerContext.js';
import type { ControllerDeadline } from './internal/ControllerTimer.js';
import { markTerminating, released, unbind, undrain } from './internal/bindings.js';
import { PodGone, asAllocatorError, describeError } from './internal/failures.js';
import { GroupReconciler } from './internal/GroupReconciler.js';
import { RetagLane } from './internal/RetagLane.js';
import { BranchRecord, NodeRecord, PodRecord } from './records.js';

/** The ports and options of a `BranchController`. */
export interface BranchControllerDependencies {
  readonly networkInterfaces: NetworkInterfaceApi;
  readonly cluster: ClusterApi;
  readonly clock: Clock;
  readonly options: BranchControllerOptions;
}

const TRUNK_POLL_FIRST_MS = 500;
const TRUNK_POLL_MAX_MS = 5_000;

/**
 * The control loop of security groups for pods. It makes opted-in nodes trunk-capable, gives
 * each scheduled pod that requests `vpc.amazonaws.com/pod-eni` a branch interface with the
 * groups its SecurityGroupPolicies resolve to, annotates the pod, and on release cools the
 * interface down, holds it for reuse by a pod with the same groups, and deletes it after
 * `recycleSeconds` or when the capacity is needed.
 *
 * State lives in EC2 (tags, associations) and in pod annotations; memory is a cache that
 * `start()` rebuilds. Ownership of an in-use interface is decided by pod annotations; tags only
 * serve discovery and adoption. Decisions about one node's capacity and VLAN ids are taken
 * synchronously on its ledger, so they are serialised without locks.
 *
 * Recovery choices: an associated branch whose pod is gone (or whose pod's annotation names
 * another interface) restarts a full cooldown, then follows the normal path (held, then deleted
 * after `recycleSeconds`); an unassociated one is deleted. A branch tagged for a live,
 * unannotated pod on the same node is adopted (associated if needed, then annotated).
 *
 * @example
 * ```ts
 * const controller = new BranchController({ networkInterfaces, cluster, clock,
 *   options: { clusterName: 'demo' } });
 * controller.events.on('allocated', (d) => console.log(d.pod.name, d.eniId, d.vlanId));
 * await controller.start();
 * // …
 * await controller.stop();
 * ```
 */
export class BranchController {
  /** Typed events for embedding programs (see `BranchControllerEvents`). */
  readonly events: TE.default<BranchControllerEvents>;

  /** The options in force, defaults and strategy presets applied. */
  readonly options: ResolvedBranchControllerOptions;

  readonly #ctx: ControllerContext;

  readonly #groups: GroupReconciler;
  readonly #retag: RetagLane;
  /** Pods whose failed allocation waits on a requeue deadline (no task runs for them). */
  readonly #parked = new Set<PodRecord>();
  /** In-use branches whose interface was missing from EC2's list at recovery, to verify. */
  readonly #unverified = new Set<BranchRecord>();
  /** Interfaces seen `available` and unmanaged in the last sweep. */
  #availableLastSweep = new Set<string>();

  #started = false;
  #buffered: ClusterChange[] = [];
  #unwatch: (() => void) | null = null;

  /**
   * @throws AllocatorError of kind `Invalid` naming the bad option (e.g. `cooldownSeconds` < 30)
   */
  constructor(dependencies: BranchControllerDependencies) {
    this.#ctx = new ControllerContext(dependencies, {
      fire: (deadline) => {
        this.#fire(deadline);
      },
      isIdle: () => this.idle(),
    });
    this.events = this.#ctx.events;
    this.options = this.#ctx.options;
    this.#groups = new GroupReconciler(this.#ctx);
    this.#retag = new RetagLane(this.#ctx);
  }

  // ───────────────────────────── public API ─────────────────────────────

  /**
   * Lists the cluster and this cluster's interfaces in EC2, rebuilds every record (in-use from
   * pod annotations, cooldowns for branches of dead pods, adoption of unannotated branches of
   * live pods, deletion of unassociated orphans), then follows the cluster's watch. Resolves
   * once the state is rebuilt; node preparation and allocation continue in the background.
   *
   * @throws AllocatorError `Invalid` when called twice or after `stop()`; port errors of the
   *   initial listings
   */
  async start(): Promise<void> {
    if (this.#started || this.#ctx.signal.aborted) {
      throw new AllocatorError('Invalid', 'BranchController.start() may be called once');
    }
    this.#started = true;
    this.#ctx.rebuilding = true;
    try {
      const snapshot = await this.#ctx.cluster.list();
      this.#ctx.checkpoint();
      this.#unwatch = this.#ctx.cluster.watch((change) => {
        if (this.#ctx.signal.aborted) return;
        if (this.#ctx.rebuilding) this.#buffered.push(change);
        else this.#apply(change);
      });
      for (const raw of snapshot.securityGroupPolicies) this.#groups.upsertPolicy(raw);
      for (const account of snapshot.serviceAccounts) {
        this.#groups.setServiceAccount(account.namespace, account.name, account.labels);
      }
      for (const node of snapshot.nodes) this.#upsertNodeRecord(node);
      const interfaces = await this.#ctx.call('DescribeNetworkInterfaces', 'critical', () =>
        this.#ctx.ec2.listNetworkInterfaces(this.#ctx.ownedFilter()),
      );
      await this.#rebuild(snapshot.pods, interfaces);
    } finally {
      this.#ctx.rebuilding = false;
    }
    const buffered = this.#buffered;
    this.#buffered = [];
    for (const change of buffered) this.#apply(change);
    for (const node of this.#ctx.nodes.values()) this.#considerNode(node);
    if (this.#ctx.options.gcIntervalMs > 0) {
      this.#ctx.schedule(this.#ctx.clock.now() + this.#ctx.options.gcIntervalMs, { kind: 'gc' });
    }
    this.#ctx.notifyIdle();
  }

  /**
   * Stops at once, like a crash that loses nothing: unsubscribes, aborts every wait and timer
   * and drops queued work. Calls already sent may still complete in EC2; their results are
   * ignored, and the next `start()` reconciles them. Leaves no timer behind.
   */
  stop(): Promise<void> {
    if (!this.#ctx.signal.aborted) {
      this.#ctx.abort();
      this.#unwatch?.();
      this.#unwatch = null;
      this.#ctx.pool.clear();
      this.#ctx.timer.clear();
      this.#retag.clear();
      this.#ctx.timer.wake();
      this.#ctx.notifyIdle();
    }
    return Promise.resolve();
  }

  /**
   * Whether no work is running or queued: no task in the worker pool, no background tag
   * rewrite, no pending cluster call, not rebuilding. Pods waiting for capacity and future
   * deadlines (cooldowns, holds, requeues, sweeps) do not count; see `nextDeadline()`.
   */
  idle(): boolean {
    return (
      !this.#ctx.rebuilding &&
      this.#ctx.pool.running === 0 &&
      this.#ctx.pool.queued === 0 &&
      !this.#retag.busy &&
      this.#ctx.pendingSideCalls === 0
    );
  }

  /** Resolves the next time `idle()` is true (at once when it is, or after `stop()`). */
  whenIdle(): Promise<void> {
    return this.#ctx.whenIdle();
  }

  /** The clock time of the earliest pending cooldown, hold, requeue or sweep; null when none. */
  nextDeadline(): number | null {
    return this.#ctx.timer.peekTime() ?? null;
  }

  /** Counters: EC2 calls per API, mutating calls, background tag calls, throttles, outcomes. */
  stats(): ControllerStats {
    return this.#ctx.stats();
  }

  /** A read-only snapshot of nodes and branches, for invariant checks. */
  inspect(): ControllerInspection {
    const nodes: NodeView[] = [];
    for (const node of this.#ctx.nodes.values()) {
      const ledger = node.ledger;
      nodes.push({
        name: node.name,
        instanceId: node.instanceId,
        instanceType: node.instanceType,
        status: node.status,
        trunkInterfaceId: node.trunkId,
        capacity: ledger?.capacity ?? 0,
        counts: {
          creating: ledger?.count('creating') ?? 0,
          'in-use': ledger?.count('in-use') ?? 0,
          cooling: ledger?.count('cooling') ?? 0,
          held: ledger?.count('held') ?? 0,
          deleting: ledger?.count('deleting') ?? 0,
        },
        waiting: node.waiting
          .slice(node.head)
          .filter((pod) => pod.status === 'waiting' && pod.node === node)
          .map((pod) => `${pod.namespace}/${pod.name}`),
      });
    }
    const branches: BranchView[] = [];
    const seen = new Set<BranchRecord>();
    const view = (branch: BranchRecord): void => {
      if (seen.has(branch)) return;
      seen.add(branch);
      branches.push({
        eniId: branch.eniId,
        node: branch.node.name,
        state: branch.state,
        vlanId: branch.vlanId,
        groupIds: this.#ctx.interner.groupIds(branch.groupKey),
        fallbackGroups: branch.fallback,
        pod:
          branch.pod === null
            ? null
            : { namespace: branch.pod.namespace, name: branch.pod.name, uid: branch.pod.uid },
        deadline: branch.deadline === 0 ? null : branch.deadline,
      });
    };
    for (const branch of this.#ctx.branches.values()) view(branch);
    for (const pod of this.#ctx.pods.values()) if (pod.branch !== null) view(pod.branch);
    return { nodes, branches };
  }

  // ───────────────────────────── watch ─────────────────────────────

  #apply(change: ClusterChange): void {
    try {
      switch (change.kind) {
        case 'Pod':
          if (change.type === 'upsert') this.#onPodUpsert(change.pod);
          else this.#onPodDelete(change.pod);
          break;
        case 'Node':
          if (change.type === 'upsert') this.#considerNode(this.#upsertNodeRecord(change.node));
          else this.#onNodeDelete(change.node);
          break;
        case 'ServiceAccount': {
          const { namespace, name, labels } = change.serviceAccount;
          if (change.type === 'upsert') this.#groups.setServiceAccount(namespace, name, labels);
          else this.#groups.deleteServiceAccount(namespace, name);
          this.#groups.reconcileNamespace(namespace, name);
          break;
        }
        case 'SecurityGroupPolicy':
          if (change.type === 'upsert') this.#groups.upsertPolicy(change.policy);
          else this.#groups.removePolicy(change.namespace, change.name);
          this.#groups.reconcileNamespace(change.namespace, null);
          break;
      }
    } catch (error) {
      this.#ctx.warn(`could not apply a ${change.kind} ${change.type}`, error);
    }
  }

  #onPodUpsert(pod: ClusterPod): void {
    const terminal = pod.phase === 'Succeeded' || pod.phase === 'Failed';
    let record = this.#ctx.pods.get(pod.uid);
    if (record === undefined) {
      if (terminal) return;
      if (!pod.requestsPodEni) {
        this.#groups.warnIfUnrequested(pod);
        return;
      }
      if (pod.hostNetwork) return;
      record = this.#ctx.newPodRecord(pod);
      this.#ctx.pods.set(pod.uid, record);
    } else {
      const labels = this.#ctx.interner.labels(pod.labels);
      const identityChanged =
        labels !== record.labels || pod.serviceAccountName !== record.serviceAccountName;
      record.labels = labels;
      record.serviceAccountName = this.#ctx.interner.text(pod.serviceAccountName);
      if (terminal) {
        this.#release(record);
        return;
      }
      if (identityChanged && record.status === 'allocated') this.#groups.reconcileGroups(record);
      if (pod.terminating && !record.terminating) markTerminating(record);
      if (record.status === 'failed' && record.failedAt !== pod.resourceVersion) {
        record.status = 'idle';
        record.requeues = 0;
        record.failedAt = null;
      }
    }
    if (record.status === 'idle' && pod.nodeName !== null) {
      this.#enqueue(record, this.#ctx.nodeRecord(pod.nodeName));
    }
  }

  #onPodDelete(pod: ClusterPod): void {
    this.#groups.forgetPod(pod.uid);
    const record = this.#ctx.pods.get(pod.uid);
    if (record !== undefined) this.#release(record);
  }

  // ───────────────────────────── nodes ─────────────────────────────

  #upsertNodeRecord(clusterNode: ClusterNode): NodeRecord {
    const node = this.#ctx.nodeRecord(clusterNode.name);
    node.uid = clusterNode.uid;
    node.instanceId = clusterNode.instanceId;
    node.instanceType = clusterNode.instanceType;
    node.optedIn = Object.hasOwn(clusterNode.labels, HAS_TRUNK_ATTACHED_LABEL);
    if (node.ledger === null && node.optedIn && clusterNode.instanceType !== null) {
      try {
        const limits = instanceLimits(clusterNode.instanceType);
        node.limits = limits;
        if (limits.trunkCompatible) {
          node.ledger = new NodeLedger<BranchRecord>(limits.branchInterfaces, limits.maxVlanId);
        }
      } catch {
        node.limits = null;
      }
    }
    return node;
  }

  /** Starts preparing a node when it newly qualifies; reports it once when it cannot. */
  #considerNode(node: NodeRecord): void {
    if (this.#ctx.rebuilding || this.#ctx.signal.aborted) return;
    if (node.status !== 'pending' && node.status !== 'unsupported') return;
    if (!node.optedIn) return;
    if (node.ledger === null || node.instanceId === null) {
      node.status = 'unsupported';
      if (!node.unsupportedReported) {
        node.unsupportedReported = true;
        const type = node.instanceType ?? '<unknown>';
        const reason =
          node.instanceId === null
            ? 'the node has no EC2 instance id'
            : node.limits === null
              ? `instance type ${type} is not in the EC2 limits table`
              : `instance type ${type} does not support trunk interfaces`;
        this.events.emit('nodeUnsupported', {
          node: node.name,
          instanceType: node.instanceType,
          reason,
        });
        this.#ctx.event(
          { kind: 'Node', name: node.name, uid: node.uid },
          'Warning',
          'Unsupported',
          `Node cannot take branch interfaces: ${reason}`,
        );
      }
      return;
    }
    node.status = 'preparing';
    this.#ctx.submit('critical', () => this.#prepareNode(node));
  }

  async #prepareNode(node: NodeRecord): Promise<void> {
    const ledger = node.ledger;
    const instanceId = node.instanceId;
    if (ledger === null || instanceId === null) return;
    try {
      if (!node.trunkSettled) await this.#ensureTrunk(node, instanceId);
      if (node.subnetId !== null && node.subnetCidr === '') {
        const subnet = await this.#ctx.subnet(node.subnetId);
        node.subnetCidr = subnet.cidrBlock;
        node.subnetV6Cidr = subnet.ipv6CidrBlock ?? '';
      }
      await this.#ctx.clusterCall(() =>
        this.#ctx.cluster.setNodeCapacity(node.name, POD_ENI_RESOURCE, ledger.capacity),
      );
      node.status = 'ready';
      node.prepFailures = 0;
      this.events.emit('trunkReady', {
        node: node.name,
        trunkInterfaceId: node.trunkId ?? '',
        capacity: ledger.capacity,
      });
      this.#pump(node);
    } catch (error) {
      if (this.#ctx.signal.aborted) return;
      const failure = asAllocatorError(error);
      node.status = 'failed';
      node.prepFailures += 1;
      const willRetry = node.prepFailures <= this.#ctx.options.requeues;
      this.events.emit('trunkFailed', { node: node.name, error: failure, willRetry });
      if (willRetry) {
        node.stamp += 1;
        this.#ctx.schedule(this.#ctx.clock.now() + this.#ctx.requeueDelay(node.prepFailures), {
          kind: 'node',
          node,
          stamp: node.stamp,
        });
      }
    }
  }

  /** Finds or creates, attaches and settles the node's trunk. */
  async #ensureTrunk(node: NodeRecord, instanceId: string): Promise<void> {
    let instance = await this.#ctx.call('DescribeInstances', 'critical', () =>
      this.#ctx.ec2.describeInstance(instanceId),
    );
    const primary =
      instance.networkInterfaces.find((eni) => eni.attachment?.deviceIndex === 0) ??
      instance.networkInterfaces[0];
    node.primaryGroupIds = [...(primary?.groupIds ?? [])].sort();
    node.subnetId = primary?.subnetId ?? instance.subnetId;
    let trunk = instance.networkInterfaces.find((eni) => eni.interfaceType === 'trunk');
    if (trunk === undefined) {
      trunk = await this.#createAndAttachTrunk(node, instanceId, instance.networkInterfaces);
    }
    node.trunkId = trunk.networkInterfaceId;
    // Poll until attached, bounded by the attach timeout.
    const deadline = this.#ctx.clock.now() + this.#ctx.options.trunkAttachTimeoutMs;
    let delay = TRUNK_POLL_FIRST_MS;
    let attachment = trunk.attachment;
    while (attachment?.status !== 'attached') {
      if (this.#ctx.clock.now() + delay > deadline) {
        throw new AllocatorError(
          'Transient',
          `trunk ${trunk.networkInterfaceId} of node ${node.name} is not attached after ` +
            `${this.#ctx.options.trunkAttachTimeoutMs / 1000} s (attachment.status ` +
            `${attachment?.status ?? 'none'})`,
        );
      }
      await this.#ctx.sleep(delay);
      delay = Math.min(delay * 2, TRUNK_POLL_MAX_MS);
      instance = await this.#ctx.call('DescribeInstances', 'critical', () =>
        this.#ctx.ec2.describeInstance(instanceId),
      );
      attachment = instance.networkInterfaces.find(
        (eni) => eni.networkInterfaceId === node.trunkId,
      )?.attachment;
    }
    if (!attachment.deleteOnTermination) {
      const { attachmentId } = attachment;
      await this.#ctx.call('ModifyNetworkInterfaceAttribute', 'critical', () =>
        this.#ctx.ec2.modifyNetworkInterface({
          networkInterfaceId: trunk.networkInterfaceId,
          attachment: { attachmentId, deleteOnTermination: true },
        }),
      );
    }
    node.trunkSettled = true;
  }

  async #createAndAttachTrunk(
    node: NodeRecord,
    instanceId: string,
    attached: readonly NetworkInterface[],
  ): Promise<NetworkInterface> {
    const limits = node.limits;
    if (limits === null) throw new AllocatorError('UnsupportedInstanceType', node.name);
    let trunk: NetworkInterface | undefined;
    let trunkId = node.spareTrunkId;
    try {
      if (trunkId === null) {
        const created = await this.#ctx.call('CreateNetworkInterface', 'critical', () =>
          this.#ctx.ec2.createNetworkInterface({
            subnetId: node.subnetId ?? '',
            groupIds: node.primaryGroupIds,
            description: TRUNK_DESCRIPTION,
            tags: { [this.#ctx.clusterTag]: 'owned', [NODE_TAG]: node.name },
            interfaceType: 'trunk',
            clientToken: trunkCreateToken(instanceId, node.trunkGeneration),
          }),
        );
        trunk = created;
        trunkId = created.networkInterfaceId;
      }
      const deviceIndex = highestFreeDeviceIndex(
        attached.flatMap((eni) =>
          eni.attachment === undefined ? [] : [eni.attachment.deviceIndex],
        ),
        limits.interfaces,
      );
      if (deviceIndex === null) {
        throw new AllocatorError(
          'LimitExceeded',
          `node ${node.name} (${limits.instanceType}) has no free device index for a trunk ` +
            `(interfaces limit ${limits.interfaces})`,
        );
      }
      const attachTo = trunkId;
      const { attachmentId } = await this.#ctx.call('AttachNetworkInterface', 'critical', () =>
        this.#ctx.ec2.attachNetworkInterface({
          networkInterfaceId: attachTo,
          instanceId,
          deviceIndex,
        }),
      );
      node.spareTrunkId = null;
      const base: NetworkInterface = trunk ?? {
        networkInterfaceId: attachTo,
        interfaceType: 'trunk',
        status: 'in-use',
        subnetId: node.subnetId ?? '',
        vpcId: '',
        macAddress: '',
        privateIpAddress: '',
        groupIds: [...node.primaryGroupIds],
        description: TRUNK_DESCRIPTION,
        tags: {},
      };
      return {
        ...base,
        attachment: {
          attachmentId,
          instanceId,
          deviceIndex,
          status: 'attaching',
          deleteOnTermination: false,
        },
      };
    } catch (error) {
      if (this.#ctx.signal.aborted) throw error;
      const failure = asAllocatorError(error);
      if (trunkId !== null) {
        // Roll back: an unattached trunk is useless and would leak.
        const rollbackId = trunkId;
        node.spareTrunkId = null;
        node.trunkGeneration += 1;
        try {
          await this.#ctx.call('DeleteNetworkInterface', 'critical', () =>
            this.#ctx.ec2.deleteNetworkInterface(rollbackId),
          );
          this.events.emit('deleted', { node: node.name, eniId: rollbackId, reason: 'rollback' });
        } catch (deleteError) {
          if (!AllocatorError.is(deleteError, 'NotFound')) {
            this.#ctx.warn(
              `could not roll back trunk ${rollbackId} of node ${node.name}`,
              deleteError,
            );
          }
        }
      }
      this.#ctx.event(
        { kind: 'Node', name: node.name, uid: node.uid },
        'Warning',
        'TrunkENICreationFailed',
        `Failed to create or attach the trunk interface: ${describeError(failure)}`,
      );
      throw failure;
    }
  }

  #onNodeDelete(clusterNode: ClusterNode): void {
    const node = this.#ctx.nodes.get(clusterNode.name);
    if (node === undefined) return;
    this.#ctx.nodes.delete(clusterNode.name);
    node.stamp += 1;
    node.status = 'unsupported';
    for (const pod of node.waiting.slice(node.head)) {
      if (pod.node === node && pod.status === 'waiting') {
        pod.status = 'idle';
        pod.node = null;
      }
    }
    node.waiting = [];
    node.head = 0;
    // Its branches die with the instance's trunk; delete what is left (EC2 keeps branches).
    for (const branch of [...this.#ctx.branches.values()]) {
      if (branch.node !== node) continue;
      if (branch.pod !== null) {
        branch.pod.branch = null;
        branch.pod.status = 'released';
        this.#ctx.pods.delete(branch.pod.uid);
        branch.pod = null;
      }
      if (branch.state !== 'deleting' && branch.state !== 'creating') {
        this.#startDelete(branch, 'node-gone', 'maintenance');
      }
    }
  }

  // ───────────────────────────── allocation ─────────────────────────────

  #enqueue(pod: PodRecord, node: NodeRecord): void {
    pod.status = 'waiting';
    pod.node = node;
    pod.seq = this.#ctx.nextSeq();
    node.waiting.push(pod);
    this.#pump(node);
  }

  /**
   * Serves a node's queue in order: a pod takes a held branch of its group set (no EC2 call),
   * else a free slot (create + associate), else waits; held branches of other group sets are
   * deleted to make room for waiting pods.
   */
  #pump(node: NodeRecord): void {
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
          pod.status = 'allocating';
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
      this.#startDelete(victim, 'capacity', 'critical');
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
    pod.status = 'allocating';
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
        this.#toHeldOrDelete(branch);
        return;
      }
      unbind(pod, branch);
      this.#toHeldOrDelete(branch);
      this.#allocationFailed(pod, asAllocatorError(error));
      return;
    }
    if (released(pod)) {
      this.#coolDown(branch, detail);
      return;
    }
    pod.status = 'allocated';
    this.#ctx.counters.reused += 1;
    this.events.emit('reused', detail);
    this.events.emit('allocated', { ...detail, reused: true });
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
          this.#pump(node);
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
        const groupIds = this.#ctx.interner.groupIds(branch.groupKey);
        const created = await this.#ctx.call('CreateNetworkInterface', 'critical', () =>
          this.#ctx.ec2.createNetworkInterface({
            subnetId: node.subnetId ?? '',
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
        this.#fillFromInterface(branch, created);
        branch.taggedUid = pod.uid;
        this.#ctx.branches.set(created.networkInterfaceId, branch);
        this.#ctx.counters.created += 1;
      }
      const eniId = branch.eniId;
      if (eniId === null) return;
      if (released(pod) && branch.associationId === null) {
        unbind(pod, branch);
        this.#startDelete(branch, 'orphan', 'maintenance');
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
              clientToken: branchAssociateToken(eniId, vlanId),
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
      if (node.subnetCidr === '' && node.subnetId !== null) {
        const subnet = await this.#ctx.subnet(node.subnetId);
        node.subnetCidr = subnet.cidrBlock;
        node.subnetV6Cidr = subnet.ipv6CidrBlock ?? '';
      }
      branch.subnetCidr = node.subnetCidr;
      branch.subnetV6Cidr = node.subnetV6Cidr;
      if (released(pod)) {
        unbind(pod, branch);
        this.#toHeldOrDelete(branch);
        return;
      }
      await this.#annotate(pod, branch);
    } catch (error) {
      if (this.#ctx.signal.aborted) return;
      if (error instanceof PodGone) {
        pod.status = 'released';
        this.#ctx.pods.delete(pod.uid);
      }
      if (released(pod)) {
        unbind(pod, branch);
        if (branch.associationId !== null) this.#toHeldOrDelete(branch);
        else if (branch.eniId !== null) this.#startDelete(branch, 'orphan', 'maintenance');
        else {
          ledger.unreserve(branch.vlanId);
          this.#pump(node);
        }
        return;
      }
      this.#retryAllocation(pod, branch, asAllocatorError(error));
      return;
    }
    const detail = this.#ctx.detail(pod, branch);
    ledger.move(branch, 'in-use');
    if (released(pod)) {
      // Released while the annotation was written: the pod may have used it, cool it down.
      this.#coolDown(branch, detail);
      return;
    }
    pod.status = 'allocated';
    if (branch.adopted) {
      this.#ctx.counters.adopted += 1;
      this.events.emit('adopted', detail);
    }
    this.events.emit('allocated', { ...detail, reused: false });
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
      this.events.emit('allocationFailed', {
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
      this.#startDelete(branch, 'orphan', 'maintenance');
    } else {
      node.ledger?.unreserve(branch.vlanId);
    }
    if (pod.status !== 'released') {
      this.#allocationFailed(pod, error);
    }
    this.#pump(node);
  }

  #allocationFailed(pod: PodRecord, error: AllocatorError): void {
    pod.status = 'failed';
    pod.failedAt = '';
    const node = pod.node?.name ?? '';
    this.events.emit('allocationFailed', {
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

  // ───────────────────────────── release, hold, delete ─────────────────────────────

  #release(pod: PodRecord): void {
    this.#ctx.pods.delete(pod.uid);
    const previous = pod.status;
    pod.status = 'released';
    pod.stamp += 1;
    if (previous === 'allocated' && pod.branch !== null) {
      const branch = pod.branch;
      undrain(pod, branch);
      const detail = this.#ctx.detail(pod, branch);
      unbind(pod, branch);
      this.#coolDown(branch, detail);
    } else if (
      previous === 'allocating' &&
      pod.branch !== null &&
      pod.branch.state === 'creating'
    ) {
      // A requeued allocation waits on a deadline: finish it here, nothing runs for it.
      const branch = pod.branch;
      if (this.#parked.delete(pod)) {
        unbind(pod, branch);
        if (branch.associationId !== null) this.#toHeldOrDelete(branch);
        else if (branch.eniId !== null) this.#startDelete(branch, 'orphan', 'maintenance');
        else {
          branch.node.ledger?.unreserve(branch.vlanId);
          this.#pump(branch.node);
        }
      }
    }
  }

  /** In-use → cooling for `cooldownSeconds`. */
  #coolDown(branch: BranchRecord, detail: BranchEventDetail): void {
    const ledger = branch.node.ledger;
    if (branch.pod !== null) unbind(branch.pod, branch);
    if (ledger !== null && branch.state === 'in-use') ledger.move(branch, 'cooling');
    this.#retag.forget(branch);
    branch.stamp += 1;
    branch.deadline = this.#ctx.clock.now() + this.#ctx.options.cooldownMs;
    this.#ctx.schedule(branch.deadline, { kind: 'branch', branch, stamp: branch.stamp });
    this.events.emit('released', detail);
  }

  /** A branch no pod used (or that cooled down) goes to the held pool, or is deleted (baseline). */
  #toHeldOrDelete(branch: BranchRecord): void {
    const ledger = branch.node.ledger;
    if (ledger === null || !this.#ctx.options.reuse || this.#ctx.options.recycleMs === 0) {
      this.#startDelete(branch, this.#ctx.options.reuse ? 'recycled' : 'cooldown', 'maintenance');
      return;
    }
    ledger.move(branch, 'held');
    branch.stamp += 1;
    branch.deadline = this.#ctx.clock.now() + this.#ctx.options.recycleMs;
    this.#ctx.schedule(branch.deadline, { kind: 'branch', branch, stamp: branch.stamp });
    this.events.emit('held', {
      node: branch.node.name,
      eniId: branch.eniId ?? '',
      vlanId: branch.vlanId,
      groupIds: this.#ctx.interner.groupIds(branch.groupKey),
    });
    this.#pump(branch.node);
  }

  #startDelete(branch: BranchRecord, reason: DeletionReason, priority: TaskPriority): void {
    const ledger = branch.node.ledger;
    if (branch.state !== 'deleting') {
      if (ledger !== null) ledger.move(branch, 'deleting');
      else branch.state = 'deleting';
    }
    this.#retag.forget(branch);
    branch.stamp += 1;
    branch.deadline = 0;
    this.#ctx.submit(priority, () => this.#deleteBranch(branch, reason, priority));
  }

  async #deleteBranch(
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
          await this.#ctx.call('DisassociateTrunkInterface', callPriority, () =>
            this.#ctx.ec2.disassociateTrunkInterface({
              associationId,
              clientToken: branchDisassociateToken(associationId),
            }),
          );
        } catch (error) {
          if (!AllocatorError.is(error, 'NotFound')) throw error;
        }
        branch.associationId = null;
      }
      this.#freeSlot(branch);
      if (eniId !== null) {
        try {
          await this.#ctx.call('DeleteNetworkInterface', callPriority, () =>
            this.#ctx.ec2.deleteNetworkInterface(eniId),
          );
        } catch (error) {
          if (!AllocatorError.is(error, 'NotFound')) throw error;
        }
        this.#ctx.branches.delete(eniId);
        this.#ctx.counters.deleted += 1;
        this.events.emit('deleted', { node: branch.node.name, eniId, reason });
      }
    } catch (error) {
      if (this.#ctx.signal.aborted) return;
      branch.deleteFailures += 1;
      this.#ctx.warn(`could not delete branch ${eniId ?? '?'} (${reason})`, error);
      // Retry later, bounded; after that the garbage collector's sweeps take over.
      if (branch.deleteFailures <= this.#ctx.options.requeues) {
        branch.stamp += 1;
        this.#ctx.schedule(this.#ctx.clock.now() + this.#ctx.requeueDelay(branch.deleteFailures), {
          kind: 'branch',
          branch,
          stamp: branch.stamp,
        });
      } else if (eniId !== null && branch.associationId === null) {
        this.#ctx.branches.delete(eniId);
      }
    }
  }

  /** Frees the slot and VLAN of a disassociated branch and serves the node's queue. */
  #freeSlot(branch: BranchRecord): void {
    if (branch.vlanId === 0) return;
    branch.node.ledger?.free(branch);
    branch.vlanId = 0;
    this.#pump(branch.node);
  }

  // ───────────────────────────── recovery ─────────────────────────────

  async #rebuild(
    pods: readonly ClusterPod[],
    interfaces: readonly NetworkInterface[],
  ): Promise<void> {
    const byId = new Map<string, NetworkInterface>();
    for (const eni of interfaces) byId.set(eni.networkInterfaceId, eni);
    this.#rebuildTrunks(interfaces);
    const claimed = new Set<string>();
    /** Live, scheduled pods needing a branch and not (validly) annotated, by UID. */
    const unannotated = new Map<string, { pod: PodRecord; nodeName: string }>();
    // 1. Live pods with an annotation own the interface it names (annotation wins over tags).
    for (const clusterPod of pods) {
      if (clusterPod.phase === 'Succeeded' || clusterPod.phase === 'Failed') continue;
      const annotation = clusterPod.annotations[POD_ENI_ANNOTATION];
      if (!clusterPod.requestsPodEni && annotation === undefined) {
        this.#groups.warnIfUnrequested(clusterPod);
        continue;
      }
      if (clusterPod.hostNetwork) continue;
      const pod = this.#ctx.newPodRecord(clusterPod);
      this.#ctx.pods.set(pod.uid, pod);
      if (clusterPod.nodeName === null) continue;
      const attachment = annotation === undefined ? null : safeDecode(annotation);
      if (attachment === null || claimed.has(attachment.eniId)) {
        if (annotation !== undefined) {
          this.#ctx.warn(
            `pod ${pod.namespace}/${pod.name} has an unusable ${POD_ENI_ANNOTATION} annotation`,
          );
        }
        unannotated.set(pod.uid, { pod, nodeName: clusterPod.nodeName });
        continue;
      }
      claimed.add(attachment.eniId);
      const node = this.#ctx.nodeRecord(clusterPod.nodeName);
      const eni = byId.get(attachment.eniId);
      const groupKey =
        eni === undefined
          ? this.#groups.resolve(pod, node).groupKey
          : this.#ctx.interner.groups(eni.groupIds);
      const branch = new BranchRecord(node, attachment.vlanId, groupKey, 'in-use');
      branch.eniId = attachment.eniId;
      branch.associationId = attachment.associationID;
      branch.macAddress = attachment.ifAddress;
      branch.privateIp = attachment.privateIp;
      branch.ipv6Address = attachment.ipv6Addr;
      branch.subnetCidr = this.#ctx.interner.text(attachment.subnetCidr);
      branch.subnetV6Cidr = this.#ctx.interner.text(attachment.subnetV6Cidr);
      branch.taggedUid = eni?.tags[POD_UID_TAG] ?? null;
      branch.pod = pod;
      // The list may lag behind (visibility delay): trust the annotation, verify in sweeps.
      if (eni === undefined) this.#unverified.add(branch);
      if (node.ledger !== null && !node.ledger.adopt(branch)) {
        this.#ctx.warn(
          `VLAN ${attachment.vlanId} of ${attachment.eniId} (pod ${pod.namespace}/${pod.name}) ` +
            `is out of range or taken twice on node ${node.name}`,
        );
      }
      if (node.subnetCidr === '') {
        node.subnetCidr = branch.subnetCidr;
        node.subnetV6Cidr = branch.subnetV6Cidr;
      }
      pod.node = node;
      pod.branch = branch;
      pod.status = 'allocated';
      this.#ctx.branches.set(attachment.eniId, branch);
    }
    // 2. Branches no annotation names: adopt for their live pod, else cool down or delete.
    const associated: NetworkInterface[] = [];
    const adoptions: { pod: PodRecord; eni: NetworkInterface; node: NodeRecord }[] = [];
    for (const eni of interfaces) {
      if (eni.interfaceType !== 'branch' || claimed.has(eni.networkInterfaceId)) continue;
      const node = this.#ctx.nodes.get(eni.tags[NODE_TAG] ?? '');
      const candidate = this.#adoptionCandidate(unannotated, eni, node);
      if (candidate !== undefined && node !== undefined) {
        unannotated.delete(candidate.uid);
        adoptions.push({ pod: candidate, eni, node });
      } else if (eni.status === 'available' || node?.ledger == null) {
        this.#deleteUnknown(eni, node ?? null, 'orphan');
      } else {
        associated.push(eni);
      }
    }
    // 3. Learn the associations we need (one describe per trunk concerned).
    const trunkIds = new Set<string>();
    for (const eni of associated) trunkIds.add(this.#trunkOf(eni));
    for (const { eni } of adoptions)
      if (eni.status !== 'available') trunkIds.add(this.#trunkOf(eni));
    const associations = await this.#describeAssociations(trunkIds);
    for (const eni of associated) {
      const node = this.#ctx.nodes.get(eni.tags[NODE_TAG] ?? '');
      if (node === undefined) continue;
      const association = associations.get(eni.networkInterfaceId);
      const branch =
        association === undefined
          ? null
          : this.#recordFromInterface(eni, node, association, 'cooling');
      if (branch === null) {
        this.#deleteUnknown(eni, node, 'orphan', association?.associationId);
        continue;
      }
      // Its pod may have died just before the restart: a full cooldown before reuse.
      branch.stamp += 1;
      branch.deadline = this.#ctx.clock.now() + this.#ctx.options.cooldownMs;
      this.#ctx.schedule(branch.deadline, { kind: 'branch', branch, stamp: branch.stamp });
    }
    // 4. Adoptions: associate when needed, then annotate, through the allocation path.
    for (const { pod, eni, node } of adoptions) {
      const association = associations.get(eni.networkInterfaceId);
      let branch =
        association === undefined
          ? null
          : this.#recordFromInterface(eni, node, association, 'creating');
      if (branch === null) {
        const vlanId = node.ledger?.reserve() ?? null;
        if (vlanId === null) {
          this.#deleteUnknown(eni, node, 'orphan', association?.associationId);
          unannotated.set(pod.uid, { pod, nodeName: node.name });
          continue;
        }
        branch = new BranchRecord(
          node,
          vlanId,
          this.#ctx.interner.groups(eni.groupIds),
          'creating',
        );
        this.#fillFromInterface(branch, eni);
        this.#ctx.branches.set(eni.networkInterfaceId, branch);
      }
      branch.adopted = true;
      branch.pod = pod;
      pod.branch = branch;
      pod.node = node;
      pod.status = 'allocating';
      const adopted = branch;
      this.#ctx.submit('critical', () => this.#allocate(pod, adopted));
    }
    // 5. The rest wait for a new branch, in list order.
    for (const { pod, nodeName } of unannotated.values()) {
      const node = this.#ctx.nodeRecord(nodeName);
      pod.status = 'waiting';
      pod.node = node;
      pod.seq = this.#ctx.nextSeq();
      node.waiting.push(pod);
    }
  }

  /** Nodes' trunks from the list: attached to the node's instance, or spare (unattached). */
  #rebuildTrunks(interfaces: readonly NetworkInterface[]): void {
    for (const eni of interfaces) {
      if (eni.interfaceType !== 'trunk') continue;
      const node = this.#ctx.nodes.get(eni.tags[NODE_TAG] ?? '');
      if (node === undefined) continue;
      if (eni.attachment !== undefined && eni.attachment.instanceId === node.instanceId) {
        node.trunkId = eni.networkInterfaceId;
        node.primaryGroupIds = [...eni.groupIds].sort();
        node.subnetId = eni.subnetId;
        node.trunkSettled =
          eni.attachment.status === 'attached' && eni.attachment.deleteOnTermination;
      } else if (eni.attachment === undefined && eni.status === 'available') {
        node.spareTrunkId = eni.networkInterfaceId;
        node.primaryGroupIds = [...eni.groupIds].sort();
        node.subnetId = eni.subnetId;
      }
    }
  }

  /** The live unannotated pod a branch was created for, when it is on the branch's node. */
  #adoptionCandidate(
    unannotated: ReadonlyMap<string, { pod: PodRecord; nodeName: string }>,
    eni: NetworkInterface,
    node: NodeRecord | undefined,
  ): PodRecord | undefined {
    const uid = eni.tags[POD_UID_TAG];
    const entry = uid === undefined ? undefined : unannotated.get(uid);
    if (entry === undefined || node === undefined || node.ledger === null) return undefined;
    return entry.nodeName === node.name ? entry.pod : undefined;
  }

  #trunkOf(eni: NetworkInterface): string {
    return (
      eni.tags[TRUNK_ENI_ID_TAG] ?? this.#ctx.nodes.get(eni.tags[NODE_TAG] ?? '')?.trunkId ?? ''
    );
  }

  /** The associations of some trunks, by branch interface id; trunks that fail are skipped. */
  async #describeAssociations(
    trunkIds: ReadonlySet<string>,
  ): Promise<Map<string, { associationId: string; vlanId: number }>> {
    const byBranch = new Map<string, { associationId: string; vlanId: number }>();
    for (const trunkId of trunkIds) {
      if (trunkId === '') continue;
      try {
        const associations = await this.#ctx.call(
          'DescribeTrunkInterfaceAssociations',
          'critical',
          () => this.#ctx.ec2.describeTrunkInterfaceAssociations(trunkId),
        );
        for (const association of associations) {
          byBranch.set(association.branchInterfaceId, {
            associationId: association.associationId,
            vlanId: association.vlanId,
          });
        }
      } catch (error) {
        this.#ctx.checkpoint();
        this.#ctx.warn(`could not describe the associations of trunk ${trunkId}`, error);
      }
    }
    return byBranch;
  }

  #fillFromInterface(branch: BranchRecord, eni: NetworkInterface): void {
    branch.eniId = eni.networkInterfaceId;
    branch.macAddress = eni.macAddress;
    branch.privateIp = eni.privateIpAddress;
    branch.ipv6Address = eni.ipv6Address ?? '';
    branch.taggedUid = eni.tags[POD_UID_TAG] ?? null;
  }

  /** A branch record for an associated interface found at recovery, adopted into the ledger. */
  #recordFromInterface(
    eni: NetworkInterface,
    node: NodeRecord,
    association: { associationId: string; vlanId: number },
    state: BranchState,
  ): BranchRecord | null {
    const branch = new BranchRecord(
      node,
      association.vlanId,
      this.#ctx.interner.groups(eni.groupIds),
      state,
    );
    this.#fillFromInterface(branch, eni);
    branch.associationId = association.associationId;
    if (node.ledger === null || !node.ledger.adopt(branch)) return null;
    this.#ctx.branches.set(eni.networkInterfaceId, branch);
    return branch;
  }

  /** Node preparation fills in the trunk id; adoption before that waits on the trunk, bounded. */
  async #waitForTrunk(node: NodeRecord): Promise<string> {
    for (let waited = 0; waited < this.#ctx.options.trunkAttachTimeoutMs; waited += 1_000) {
      if (node.trunkId !== null && node.status === 'ready') return node.trunkId;
      await this.#ctx.sleep(1_000);
    }
    throw new AllocatorError('Transient', `node ${node.name} has no ready trunk`);
  }

  /** Deletes an interface found at recovery or by a sweep that no record explains. */
  #deleteUnknown(
    eni: NetworkInterface,
    node: NodeRecord | null,
    reason: DeletionReason,
    associationId?: string,
  ): void {
    const eniId = eni.networkInterfaceId;
    this.#ctx.submit('maintenance', async () => {
      if (associationId !== undefined) {
        try {
          await this.#ctx.call('DisassociateTrunkInterface', 'maintenance', () =>
            this.#ctx.ec2.disassociateTrunkInterface({
              associationId,
              clientToken: branchDisassociateToken(associationId),
            }),
          );
        } catch (error) {
          if (!AllocatorError.is(error, 'NotFound')) throw error;
        }
      }
      try {
        await this.#ctx.call('DeleteNetworkInterface', 'maintenance', () =>
          this.#ctx.ec2.deleteNetworkInterface(eniId),
        );
      } catch (error) {
        if (!AllocatorError.is(error, 'NotFound')) throw error;
      }
      this.#ctx.counters.deleted += 1;
      this.events.emit('deleted', { node: node?.name ?? null, eniId, reason });
    });
  }

  // ───────────────────────────── garbage collection ─────────────────────────────

  async #sweep(): Promise<void> {
    let deleted = 0;
    // Records whose pod vanished without a delete event (a missed watch event).
    for (const branch of [...this.#ctx.branches.values()]) {
      const pod = branch.pod;
      if (branch.state === 'in-use' && pod !== null && this.#ctx.pods.get(pod.uid) !== pod) {
        const detail = this.#ctx.detail(pod, branch);
        pod.status = 'released';
        unbind(pod, branch);
        this.#coolDown(branch, detail);
      }
    }
    const interfaces = await this.#ctx.call('DescribeNetworkInterfaces', 'maintenance', () =>
      this.#ctx.ec2.listNetworkInterfaces(this.#ctx.ownedFilter()),
    );
    const trunks = new Set<string>();
    for (const node of this.#ctx.nodes.values()) {
      if (node.trunkId !== null) trunks.add(node.trunkId);
      if (node.spareTrunkId !== null) trunks.add(node.spareTrunkId);
    }
    const available = new Set<string>();
    for (const eni of interfaces) {
      const id = eni.networkInterfaceId;
      if (this.#ctx.branches.has(id) || trunks.has(id)) continue;
      if (eni.status !== 'available') continue;
      if (
        eni.interfaceType === 'trunk' &&
        [...this.#ctx.nodes.values()].some((n) => n.status === 'preparing')
      ) {
        continue;
      }
      available.add(id);
      if (this.#availableLastSweep.has(id)) {
        deleted += 1;
        this.#deleteUnknown(eni, this.#ctx.nodes.get(eni.tags[NODE_TAG] ?? '') ?? null, 'garbage');
      }
    }
    // Retry deletions that ran out of attempts.
    for (const branch of this.#ctx.branches.values()) {
      if (branch.state === 'deleting' && branch.deleteFailures > this.#ctx.options.requeues) {
        branch.deleteFailures = 0;
        this.#ctx.submit('maintenance', () => this.#deleteBranch(branch, 'garbage', 'maintenance'));
      }
    }
    this.#availableLastSweep = new Set(
      [...available].filter((id) => !this.#availableLastSweep.has(id)),
    );
    this.events.emit('swept', { deleted, adopted: 0 });
  }

  #fire(item: ControllerDeadline): void {
    switch (item.kind) {
      case 'gc':
        this.#ctx.submit('maintenance', async () => {
          try {
            await this.#sweep();
          } finally {
            if (this.#ctx.options.gcIntervalMs > 0) {
              this.#ctx.schedule(this.#ctx.clock.now() + this.#ctx.options.gcIntervalMs, {
                kind: 'gc',
              });
            }
          }
        });
        return;
      case 'node':
        if (item.stamp === item.node.stamp && item.node.status === 'failed') {
          item.node.status = 'pending';
          this.#considerNode(item.node);
        }
        return;
      case 'pod': {
        const pod = item.pod;
        this.#parked.delete(pod);
        if (item.stamp !== pod.stamp || pod.status !== 'allocating' || pod.branch === null) return;
        const branch = pod.branch;
        this.#ctx.submit('critical', () => this.#allocate(pod, branch));
        return;
      }
      case 'branch': {
        const branch = item.branch;
        if (item.stamp !== branch.stamp) return;
        branch.deadline = 0;
        if (branch.state === 'cooling') {
          if (this.#ctx.options.reuse) this.#toHeldOrDelete(branch);
          else this.#startDelete(branch, 'cooldown', 'maintenance');
        } else if (branch.state === 'held') {
          this.#startDelete(branch, 'recycled', 'maintenance');
        } else if (branch.state === 'deleting') {
          this.#ctx.submit('maintenance', () =>
            this.#deleteBranch(branch, 'orphan', 'maintenance'),
          );
        }
        return;
      }
    }
  }

  #requestedMessage(branch: BranchRecord): string {
    return `Pod will get the following Security Groups [${this.#ctx.interner.groupIds(branch.groupKey).join(' ')}]`;
  }

  #allocatedMessage(branch: BranchRecord): string {
    return `Allocated ${encodePodEniAnnotation([this.#attachment(branch)])} to the pod`;
  }
}

function safeDecode(annotation: string): ReturnType<typeof decodePodEniAnnotation>[number] | null {
  try {
    return decodePodEniAnnotation(annotation)[0] ?? null;
  } catch {
    return null;
  }
}
