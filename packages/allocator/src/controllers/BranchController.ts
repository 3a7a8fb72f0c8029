import type TE from 'typed-emitter';
import type { BranchControllerEvents } from '../models/BranchControllerEvents.js';
import type {
  BranchControllerOptions,
  ResolvedBranchControllerOptions,
} from '../models/BranchControllerOptions.js';
import type { ControllerInspection, NodeView, BranchView } from '../models/ControllerInspection.js';
import type { ControllerStats } from '../models/ControllerStats.js';
import type { Clock } from '../ports/Clock.js';
import type { ClusterApi } from '../ports/ClusterApi.js';
import type { NetworkInterfaceApi } from '../ports/NetworkInterfaceApi.js';
import { AllocatorError } from '../errors/AllocatorError.js';
import { BranchReleaser } from './internal/BranchReleaser.js';
import { ClusterWatch } from './internal/ClusterWatch.js';
import { ControllerContext } from './internal/ControllerContext.js';
import { ControllerRecords } from './internal/ControllerRecords.js';
import type { ControllerDeadline } from './internal/ControllerTimer.js';
import { GarbageCollector } from './internal/GarbageCollector.js';
import { GroupReconciler } from './internal/GroupReconciler.js';
import { PodReconciler } from './internal/PodReconciler.js';
import { Recovery } from './internal/Recovery.js';
import { RetagLane } from './internal/RetagLane.js';
import { TrunkPreparer } from './internal/TrunkPreparer.js';
import type { BranchRecord } from './internal/BranchRecord.js';

/** The ports and options of a `BranchController`. */
export interface BranchControllerDependencies {
  readonly networkInterfaces: NetworkInterfaceApi;
  readonly cluster: ClusterApi;
  readonly clock: Clock;
  readonly options: BranchControllerOptions;
}

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
  readonly #records: ControllerRecords;
  readonly #groups: GroupReconciler;
  readonly #retag: RetagLane;
  readonly #releaser: BranchReleaser;
  readonly #pods: PodReconciler;
  readonly #trunks: TrunkPreparer;
  readonly #recovery: Recovery;
  readonly #gc: GarbageCollector;
  readonly #watch: ClusterWatch;
  #started = false;

  /**
   * @throws AllocatorError of kind `Invalid` naming the bad option (e.g. `cooldownSeconds` < 30)
   */
  constructor(dependencies: BranchControllerDependencies) {
    const ctx = new ControllerContext(dependencies, {
      fire: (deadline) => {
        this.#fire(deadline);
      },
      isIdle: () => this.idle(),
    });
    this.#ctx = ctx;
    const records = new ControllerRecords();
    this.#records = records;
    this.events = ctx.events;
    this.options = ctx.options;
    this.#groups = new GroupReconciler(ctx, records);
    this.#retag = new RetagLane(ctx);
    // A slot the releaser frees serves its node's waiting pods: the pods' reconciler exists by then.
    this.#releaser = new BranchReleaser(ctx, records, this.#retag, (node) => {
      this.#pods.serve(node);
    });
    this.#pods = new PodReconciler(ctx, records, this.#groups, this.#releaser, this.#retag);
    this.#trunks = new TrunkPreparer(ctx, records, this.#pods, this.#releaser);
    this.#recovery = new Recovery(ctx, records, this.#groups, this.#pods, this.#releaser);
    this.#gc = new GarbageCollector(ctx, records, this.#releaser);
    this.#watch = new ClusterWatch(
      ctx,
      records,
      this.#groups,
      this.#trunks,
      this.#pods,
      this.#releaser,
    );
  }

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
    const ctx = this.#ctx;
    if (this.#started || ctx.signal.aborted) {
      throw new AllocatorError('Invalid', 'BranchController.start() may be called once');
    }
    this.#started = true;
    ctx.rebuilding = true;
    try {
      const snapshot = await ctx.cluster.list();
      ctx.checkpoint();
      this.#watch.follow();
      for (const raw of snapshot.securityGroupPolicies) this.#groups.upsertPolicy(raw);
      for (const account of snapshot.serviceAccounts) {
        this.#groups.setServiceAccount(account.namespace, account.name, account.labels);
      }
      for (const node of snapshot.nodes) {
        this.#releaser.followConfirmations(this.#trunks.upsertNode(node), node);
      }
      const interfaces = await ctx.ec2.call('DescribeNetworkInterfaces', 'critical', () =>
        ctx.ec2.api.listNetworkInterfaces(ctx.ec2.ownedFilter()),
      );
      await this.#recovery.rebuild(snapshot.pods, interfaces);
    } finally {
      ctx.rebuilding = false;
    }
    this.#watch.replay();
    for (const node of this.#records.nodes.values()) this.#trunks.considerNode(node);
    this.#gc.start();
    ctx.notifyIdle();
  }

  /**
   * Stops at once, like a crash that loses nothing: unsubscribes, aborts every wait and timer
   * and drops queued work. Calls already sent may still complete in EC2; their results are
   * ignored, and the next `start()` reconciles them. Leaves no timer behind.
   */
  stop(): Promise<void> {
    const ctx = this.#ctx;
    if (!ctx.signal.aborted) {
      ctx.abort();
      this.#watch.stop();
      ctx.pool.clear();
      ctx.timer.clear();
      this.#pods.queue.clear();
      this.#retag.clear();
      ctx.timer.wake();
      ctx.notifyIdle();
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

  inspect(): ControllerInspection {
    const nodes: NodeView[] = [];
    for (const node of this.#records.nodes.values()) {
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
        waiting: node.waitingPods().map((pod) => `${pod.namespace}/${pod.name}`),
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
        groupIds: this.#records.interner.groupIds(branch.groupKey),
        fallbackGroups: branch.fallback,
        pod:
          branch.pod === null
            ? null
            : { namespace: branch.pod.namespace, name: branch.pod.name, uid: branch.pod.uid },
        deadline: branch.deadline === 0 ? null : branch.deadline,
      });
    };
    for (const branch of this.#records.branches.values()) view(branch);
    for (const pod of this.#records.pods.values()) if (pod.branch !== null) view(pod.branch);
    return { nodes, branches };
  }

  /** Hands a due deadline to the part it concerns. */
  #fire(deadline: ControllerDeadline): void {
    switch (deadline.kind) {
      case 'gc':
        this.#gc.onDeadline();
        return;
      case 'node':
        this.#trunks.onDeadline(deadline.node);
        return;
      case 'pod':
        this.#pods.queue.add(deadline.pod);
        return;
      case 'branch':
        this.#releaser.onDeadline(deadline.branch);
        return;
    }
  }
}
