import { trunkCreateToken } from '../../calculations/branchClientTokens.js';
import { highestFreeDeviceIndex } from '../../calculations/highestFreeDeviceIndex.js';
import { instanceLimits } from '../../calculations/instanceLimits.js';
import { AllocatorError } from '../../errors/AllocatorError.js';
import type { ClusterNode } from '../../models/ClusterObjects.js';
import type { NetworkInterface } from '../../models/NetworkInterface.js';
import {
  HAS_TRUNK_ATTACHED_LABEL,
  NODE_TAG,
  POD_ENI_RESOURCE,
  TRUNK_DESCRIPTION,
} from '../../models/wellKnownNames.js';
import { NodeLedger } from '../../services/NodeLedger.js';
import type { BranchRecord } from './BranchRecord.js';
import type { BranchReleaser } from './BranchReleaser.js';
import { recordQueueSettings, requeueDelay } from './ControllerParts.js';
import type { ControllerParts } from './ControllerParts.js';
import { WorkQueue, done } from './WorkQueue.js';
import type { ReconcileResult, Reconciler } from './WorkQueue.js';
import { clusterCall, sleep } from './Ec2Caller.js';
import type { ControllerRecords } from './ControllerRecords.js';
import { asAllocatorError } from '../../errors/asAllocatorError.js';
import { describeError } from '../../errors/describeError.js';
import type { NodeBranches } from './NodeBranches.js';
import type { PodReconciler } from './PodReconciler.js';

/** The parts of the controller TrunkPreparer uses. */
type TrunkPreparerParts = Pick<
  ControllerParts,
  | 'options'
  | 'clock'
  | 'signal'
  | 'cluster'
  | 'ec2'
  | 'events'
  | 'submit'
  | 'schedule'
  | 'cancel'
  | 'rebuilding'
>;

const TRUNK_POLL_FIRST_MS = 500;
const TRUNK_POLL_MAX_MS = 5_000;

/**
 * Making opted-in nodes trunk-capable: the node's limits and ledger, the trunk interface
 * (found, else created and attached at the highest free device index, rolled back when that
 * fails), polling until attached, delete-on-termination, and the node's `pod-eni` capacity.
 * Failures retry with backoff; a node that cannot take branches is reported once.
 */
export class TrunkPreparer implements Reconciler<NodeBranches> {
  readonly #deps: TrunkPreparerParts;
  /** Nodes being prepared; a failure is retried with backoff, `requeues` times. */
  readonly #queue: WorkQueue<NodeBranches>;
  readonly #records: ControllerRecords;
  readonly #pods: PodReconciler;
  readonly #releaser: BranchReleaser;

  constructor(
    deps: TrunkPreparerParts,
    records: ControllerRecords,
    pods: PodReconciler,
    releaser: BranchReleaser,
  ) {
    this.#deps = deps;
    this.#records = records;
    this.#pods = pods;
    this.#releaser = releaser;
    this.#queue = new WorkQueue(
      this,
      recordQueueSettings<NodeBranches>(
        deps,
        deps.options.requeues,
        (failures) => requeueDelay(deps.options, failures),
        (node) => ({ kind: 'node', node }),
      ),
    );
  }

  /** A node's preparation retry deadline: prepares it again unless overtaken. */
  onDeadline(node: NodeBranches): void {
    if (node.status === 'failed') {
      node.status = 'pending';
      this.considerNode(node);
    }
  }

  /** A failed preparation, retried with backoff by the queue, `requeues` times. */
  failed(node: NodeBranches, error: AllocatorError, willRetry: boolean): void {
    node.status = 'failed';
    this.#deps.events.emit('trunkFailed', { node: node.name, error, willRetry });
  }

  /** The node's record, updated from the cluster; limits and ledger once it opts in. */
  upsertNode(clusterNode: ClusterNode): NodeBranches {
    const node = this.#records.nodeRecord(clusterNode.name);
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
  considerNode(node: NodeBranches): void {
    if (this.#deps.rebuilding() || this.#deps.signal.aborted) return;
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
        this.#deps.events.emit('nodeUnsupported', {
          node: node.name,
          instanceType: node.instanceType,
          reason,
        });
        this.#deps.events.record(
          { kind: 'Node', name: node.name, uid: node.uid },
          'Warning',
          'Unsupported',
          `Node cannot take branch interfaces: ${reason}`,
        );
      }
      return;
    }
    node.status = 'preparing';
    this.#queue.add(node);
  }

  /** Prepares a node: its trunk settled, its subnet known, its `pod-eni` capacity advertised. */
  async reconcile(node: NodeBranches): Promise<ReconcileResult> {
    const ledger = node.ledger;
    const instanceId = node.instanceId;
    if (ledger === null || instanceId === null) return done;
    if (!node.trunkSettled) await this.#ensureTrunk(node, instanceId);
    const subnetId = node.requireSubnetId('its branch interfaces');
    if (node.subnetCidr === '') {
      const subnet = await this.#deps.ec2.subnet(subnetId);
      node.subnetCidr = subnet.cidrBlock;
      node.subnetV6Cidr = subnet.ipv6CidrBlock ?? '';
    }
    await clusterCall(this.#deps, () =>
      this.#deps.cluster.setNodeCapacity(node.name, POD_ENI_RESOURCE, ledger.capacity),
    );
    node.status = 'ready';
    this.#deps.events.emit('trunkReady', {
      node: node.name,
      trunkInterfaceId: node.trunkId ?? '',
      capacity: ledger.capacity,
    });
    this.#pods.serve(node);
    return done;
  }

  /** Finds or creates, attaches and settles the node's trunk. */
  async #ensureTrunk(node: NodeBranches, instanceId: string): Promise<void> {
    let instance = await this.#deps.ec2.call('DescribeInstances', 'critical', () =>
      this.#deps.ec2.api.describeInstance(instanceId),
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
    const deadline = this.#deps.clock.now() + this.#deps.options.trunkAttachTimeoutMs;
    let delay = TRUNK_POLL_FIRST_MS;
    let attachment = trunk.attachment;
    while (attachment?.status !== 'attached') {
      if (this.#deps.clock.now() + delay > deadline) {
        throw new AllocatorError(
          'Transient',
          `trunk ${trunk.networkInterfaceId} of node ${node.name} is not attached after ` +
            `${this.#deps.options.trunkAttachTimeoutMs / 1000} s (attachment.status ` +
            `${attachment?.status ?? 'none'})`,
        );
      }
      await sleep(this.#deps, delay);
      delay = Math.min(delay * 2, TRUNK_POLL_MAX_MS);
      instance = await this.#deps.ec2.call('DescribeInstances', 'critical', () =>
        this.#deps.ec2.api.describeInstance(instanceId),
      );
      attachment = instance.networkInterfaces.find(
        (eni) => eni.networkInterfaceId === node.trunkId,
      )?.attachment;
    }
    if (!attachment.deleteOnTermination) {
      const { attachmentId } = attachment;
      await this.#deps.ec2.call('ModifyNetworkInterfaceAttribute', 'critical', () =>
        this.#deps.ec2.api.modifyNetworkInterface({
          networkInterfaceId: trunk.networkInterfaceId,
          attachment: { attachmentId, deleteOnTermination: true },
        }),
      );
    }
    node.trunkSettled = true;
  }

  async #createAndAttachTrunk(
    node: NodeBranches,
    instanceId: string,
    attached: readonly NetworkInterface[],
  ): Promise<NetworkInterface> {
    const limits = node.limits;
    if (limits === null) throw new AllocatorError('UnsupportedInstanceType', node.name);
    let trunk: NetworkInterface | undefined;
    let trunkId = node.spareTrunkId;
    try {
      if (trunkId === null) {
        const subnetId = node.requireSubnetId('its trunk interface');
        const created = await this.#deps.ec2.call('CreateNetworkInterface', 'critical', () =>
          this.#deps.ec2.api.createNetworkInterface({
            subnetId,
            groupIds: node.primaryGroupIds,
            description: TRUNK_DESCRIPTION,
            tags: { [this.#deps.ec2.clusterTag]: 'owned', [NODE_TAG]: node.name },
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
      const { attachmentId } = await this.#deps.ec2.call('AttachNetworkInterface', 'critical', () =>
        this.#deps.ec2.api.attachNetworkInterface({
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
      if (this.#deps.signal.aborted) throw error;
      const failure = asAllocatorError(error);
      if (trunkId !== null) {
        // Roll back: an unattached trunk is useless and would leak.
        const rollbackId = trunkId;
        node.spareTrunkId = null;
        node.trunkGeneration += 1;
        try {
          await this.#deps.ec2.call('DeleteNetworkInterface', 'critical', () =>
            this.#deps.ec2.api.deleteNetworkInterface(rollbackId),
          );
          this.#deps.events.emit('deleted', {
            node: node.name,
            eniId: rollbackId,
            reason: 'rollback',
          });
        } catch (deleteError) {
          if (!AllocatorError.is(deleteError, 'NotFound')) {
            this.#deps.events.warn(
              `could not roll back trunk ${rollbackId} of node ${node.name}`,
              deleteError,
            );
          }
        }
      }
      this.#deps.events.record(
        { kind: 'Node', name: node.name, uid: node.uid },
        'Warning',
        'TrunkENICreationFailed',
        `Failed to create or attach the trunk interface: ${describeError(failure)}`,
      );
      throw failure;
    }
  }

  /** A node is gone: its waiting pods go back to idle, its pods are released, branches deleted. */
  removeNode(clusterNode: ClusterNode): void {
    const node = this.#records.nodes.get(clusterNode.name);
    if (node === undefined) return;
    this.#records.nodes.delete(clusterNode.name);
    this.#queue.cancel(node);
    node.status = 'unsupported';
    node.dropWaiting();
    // Its branches die with the instance's trunk; delete what is left (EC2 keeps branches).
    for (const branch of [...this.#records.branches.values()]) {
      if (branch.node !== node) continue;
      if (branch.pod !== null) {
        branch.pod.branch = null;
        branch.pod.moveTo('released');
        this.#records.pods.delete(branch.pod.uid);
        branch.pod = null;
      }
      if (branch.state !== 'deleting' && branch.state !== 'creating') {
        this.#releaser.startDelete(branch, 'node-gone', 'maintenance');
      }
    }
  }
}
