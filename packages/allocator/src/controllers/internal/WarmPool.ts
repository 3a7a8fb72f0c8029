import { branchAssociateToken } from '../../calculations/branchClientTokens.js';
import { planWarmPool, predictWarmGroupSets } from '../../calculations/planWarmPool.js';
import {
  BRANCH_DESCRIPTION,
  NODE_TAG,
  TRUNK_ENI_ID_TAG,
  VLAN_ID_TAG,
} from '../../models/wellKnownNames.js';
import { requeueDelay } from './ControllerParts.js';
import type { ControllerParts } from './ControllerParts.js';
import { BranchRecord } from './BranchRecord.js';
import type { BranchReleaser } from './BranchReleaser.js';
import type { ControllerRecords } from './ControllerRecords.js';
import type { NodeBranches } from './NodeBranches.js';

/** What the warm pool uses of the controller. */
export type WarmPoolParts = Pick<
  ControllerParts,
  'options' | 'clock' | 'signal' | 'ec2' | 'events' | 'submit' | 'schedule' | 'rebuilding'
>;

/**
 * The optional warm pool (`warmPool`): on each ready node, branches created before any pod asks,
 * held for the group sets the node is predicted to need (`predictWarmGroupSets`: those its pods
 * got branches for within `idleSeconds`, else the cluster's), shared out by `planWarmPool`. A
 * pod takes one like any held branch: no EC2 call on its path.
 *
 * Budget: one creation at a time per node, only while no pod waits on the node, and every call
 * at `background` priority, which spends only tokens no pod-critical or maintenance call waits
 * for (and keeps half of each bucket). Capacity: a slot is reserved on the node's ledger like
 * any branch, so the pool never exceeds the node's capacity, and a waiting pod of another group
 * set makes room by deleting held branches as usual. Release: a warm branch is held with a
 * deadline of `idleSeconds`, then deleted; a group set nobody asked for within `idleSeconds` is
 * no longer predicted, so an idle pool costs one creation and one deletion per branch, then
 * nothing. Warm branches carry no pod-uid tag: recovery treats them as any associated branch
 * no pod claims (a cooldown, then held, then deleted unless a pod takes it).
 */
export class WarmPool {
  readonly #ctx: WarmPoolParts;
  readonly #records: ControllerRecords;
  readonly #releaser: BranchReleaser;
  readonly #serve: (node: NodeBranches) => void;
  /** Last allocation of each group set, per node and cluster-wide (clock ms). */
  readonly #demand = new Map<string, Map<string, number>>();
  readonly #clusterDemand = new Map<string, number>();
  /** Nodes with a creation in flight. */
  readonly #filling = new Set<NodeBranches>();
  /** Nodes whose last creation failed, until when they rest. */
  readonly #resting = new Map<NodeBranches, number>();
  #failures = 0;

  constructor(
    ctx: WarmPoolParts,
    records: ControllerRecords,
    releaser: BranchReleaser,
    serve: (node: NodeBranches) => void,
  ) {
    this.#ctx = ctx;
    this.#records = records;
    this.#releaser = releaser;
    this.#serve = serve;
    if (ctx.options.warmPool === null) return;
    ctx.events.emitter.on('allocated', (detail) => {
      const key = records.interner.groups(detail.groupIds);
      const now = ctx.clock.now();
      let node = this.#demand.get(detail.node);
      if (node === undefined) this.#demand.set(detail.node, (node = new Map<string, number>()));
      node.set(key, now);
      // A group set new to the cluster is predicted for the nodes without demand of their own.
      const known =
        (this.#clusterDemand.get(key) ?? -Infinity) >= now - (ctx.options.warmPool?.idleMs ?? 0);
      this.#clusterDemand.set(key, now);
      // After the allocation's own step: the node (or every node) may now be short.
      queueMicrotask(() => {
        const record = records.nodes.get(detail.node);
        if (known) {
          if (record !== undefined) this.refill(record);
        } else {
          for (const each of records.nodes.values()) this.refill(each);
        }
      });
    });
  }

  /** Tops the node's pool up by one branch when it is short, the node idle and a slot free. */
  refill(node: NodeBranches): void {
    const pool = this.#ctx.options.warmPool;
    const ledger = node.ledger;
    const trunkId = node.trunkId;
    const subnetId = node.subnetId;
    if (pool === null || ledger === null || trunkId === null || subnetId === null) return;
    if (node.status !== 'ready' || this.#ctx.rebuilding() || this.#ctx.signal.aborted) return;
    if (this.#filling.has(node) || (this.#resting.get(node) ?? 0) > this.#ctx.clock.now()) return;
    for (let i = node.head; i < node.waiting.length; i++) {
      const pod = node.waiting[i];
      if (pod?.status === 'waiting' && pod.node === node) return;
    }
    const now = this.#ctx.clock.now();
    const groupKey = planWarmPool({
      size: pool.branchesPerNode,
      predicted: predictWarmGroupSets(
        this.#demand.get(node.name) ?? new Map(),
        this.#clusterDemand,
        now - pool.idleMs,
      ),
      held: (key) => ledger.countOf('held', key),
      creating: 0,
      freeSlots: ledger.capacity - ledger.occupied(),
    });
    if (groupKey === null) return;
    const vlanId = ledger.reserve();
    if (vlanId === null) return;
    const branch = new BranchRecord(node, vlanId, groupKey, 'creating');
    this.#filling.add(node);
    this.#ctx.submit('maintenance', () => this.#create(branch, trunkId, subnetId, pool.idleMs));
  }

  async #create(
    branch: BranchRecord,
    trunkId: string,
    subnetId: string,
    idleMs: number,
  ): Promise<void> {
    const node = branch.node;
    const ledger = node.ledger;
    const ec2 = this.#ctx.ec2;
    // Unique across restarts: a replayed token would return an interface deleted since.
    const clientToken =
      `podsg-w-${node.instanceId ?? node.name}-${this.#ctx.clock.now()}-` +
      Math.floor(this.#ctx.options.random() * 1e9).toString(36);
    try {
      const created = await ec2.call('CreateNetworkInterface', 'background', () =>
        ec2.api.createNetworkInterface({
          subnetId,
          groupIds: this.#records.interner.groupIds(branch.groupKey),
          description: BRANCH_DESCRIPTION,
          tags: {
            [ec2.clusterTag]: 'owned',
            [NODE_TAG]: node.name,
            [TRUNK_ENI_ID_TAG]: trunkId,
            [VLAN_ID_TAG]: String(branch.vlanId),
          },
          interfaceType: 'branch',
          clientToken: clientToken.slice(0, 64),
        }),
      );
      branch.fillFrom(created);
      this.#records.branches.set(created.networkInterfaceId, branch);
      this.#ctx.events.counters.created += 1;
      const eniId = created.networkInterfaceId;
      const vlanId = branch.vlanId;
      const association = await ec2.call('AssociateTrunkInterface', 'background', () =>
        ec2.api.associateTrunkInterface({
          trunkInterfaceId: trunkId,
          branchInterfaceId: eniId,
          vlanId,
          clientToken: branchAssociateToken(eniId, vlanId, 0),
        }),
      );
      branch.associationId = association.associationId;
      branch.subnetCidr = node.subnetCidr;
      branch.subnetV6Cidr = node.subnetV6Cidr;
      if (ledger === null || node.ledger !== ledger) return;
      node.moveBranch(branch, 'held');
      branch.deadline = this.#ctx.clock.now() + idleMs;
      this.#ctx.schedule(branch.deadline, { kind: 'branch', branch });
      this.#ctx.events.emit('held', {
        node: node.name,
        eniId,
        vlanId,
        groupIds: this.#records.interner.groupIds(branch.groupKey),
      });
      this.#failures = 0;
    } catch (error) {
      if (this.#ctx.signal.aborted) return;
      this.#ctx.events.warn(`could not create a warm branch on node ${node.name}`, error);
      this.#failures += 1;
      const delay = requeueDelay(this.#ctx.options, this.#failures);
      this.#resting.set(node, this.#ctx.clock.now() + delay);
      this.#ctx.clock.sleep(delay, this.#ctx.signal).then(
        () => {
          this.refill(node);
        },
        () => undefined,
      );
      if (branch.eniId !== null) this.#releaser.startDelete(branch, 'rollback', 'maintenance');
      else ledger?.unreserve(branch.vlanId);
    } finally {
      this.#filling.delete(node);
      if (!this.#ctx.signal.aborted) this.#serve(node);
    }
  }
}
