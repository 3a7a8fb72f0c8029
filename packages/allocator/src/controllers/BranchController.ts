import { setMaxListeners } from 'node:events';
import type TE from 'typed-emitter';
import type { BranchControllerEvents } from '../models/BranchControllerEvents.js';
import type {
  BranchControllerOptions,
  ResolvedBranchControllerOptions,
} from '../models/BranchControllerOptions.js';
import type { ControllerInspection, NodeView, BranchView } from '../models/ControllerInspection.js';
import { resolveControllerOptions } from '../calculations/resolveControllerOptions.js';
import type { ControllerStats } from '../models/ControllerStats.js';
import type { Clock } from '../ports/Clock.js';
import type { ClusterApi } from '../ports/ClusterApi.js';
import type { NetworkInterfaceApi } from '../ports/NetworkInterfaceApi.js';
import { AllocatorError } from '../errors/AllocatorError.js';
import { BranchMover } from './internal/BranchMover.js';
import { BranchReleaser } from './internal/BranchReleaser.js';
import { ClusterWatch } from './internal/ClusterWatch.js';
import { ControllerEvents } from './internal/ControllerEvents.js';
import type { ControllerParts } from './internal/ControllerParts.js';
import { ControllerRecords } from './internal/ControllerRecords.js';
import { ControllerTimer } from './internal/ControllerTimer.js';
import type { ControllerDeadline } from './internal/ControllerTimer.js';
import { Ec2Caller, checkpoint } from './internal/Ec2Caller.js';
import { GarbageCollector } from './internal/GarbageCollector.js';
import { GroupReconciler } from './internal/GroupReconciler.js';
import { PodReconciler } from './internal/PodReconciler.js';
import { Recovery } from './internal/Recovery.js';
import { RetagLane } from './internal/RetagLane.js';
import { TrunkPreparer } from './internal/TrunkPreparer.js';
import { WarmPool } from './internal/WarmPool.js';
import type { BranchRecord } from './internal/BranchRecord.js';
import { WorkerPool } from '../services/WorkerPool.js';

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

  readonly #abort = new AbortController();
  readonly #signal: AbortSignal = this.#abort.signal;
  readonly #cluster: ClusterApi;
  readonly #ec2: Ec2Caller;
  readonly #events: ControllerEvents;
  readonly #pool: WorkerPool;
  readonly #timer: ControllerTimer;
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
  /** Whether `start()` is rebuilding the records (nodes are neither prepared nor served). */
  #rebuilding = false;
  #idleWaiters: (() => void)[] = [];

  /**
   * @throws AllocatorError of kind `Invalid` naming the bad option (e.g. `cooldownSeconds` < 30)
   */
  constructor(dependencies: BranchControllerDependencies) {
    const options = resolveControllerOptions(dependencies.options);
    this.options = options;
    // Every wait of every task listens on the one stop signal.
    setMaxListeners(0, this.#signal);
    const { clock, cluster } = dependencies;
    const signal = this.#signal;
    this.#cluster = cluster;
    const events = new ControllerEvents(cluster, signal, () => {
      this.#notifyIdle();
    });
    this.#events = events;
    this.events = events.emitter;
    this.#ec2 = new Ec2Caller(dependencies.networkInterfaces, { clock, signal, options }, events);
    this.#pool = new WorkerPool(
      options.workers,
      (error: unknown) => {
        if (signal.aborted || AllocatorError.is(error, 'Aborted')) return;
        events.warn('a background task failed', error);
      },
      () => {
        this.#notifyIdle();
      },
    );
    this.#timer = new ControllerTimer(clock, signal, (deadline) => {
      this.#fire(deadline);
    });
    const parts: ControllerParts = {
      options,
      clock,
      signal,
      cluster,
      ec2: this.#ec2,
      events,
      submit: (priority, task) => {
        if (!signal.aborted) this.#pool.submit(priority, task);
      },
      schedule: (at, deadline) => {
        this.#timer.schedule(at, deadline);
      },
      cancel: (record) => this.#timer.cancel(record),
      rebuilding: () => this.#rebuilding,
      notifyIdle: () => {
        this.#notifyIdle();
      },
    };
    const records = new ControllerRecords();
    this.#records = records;
    this.#groups = new GroupReconciler(parts, records);
    this.#retag = new RetagLane(parts);
    // A slot the releaser frees serves its node's waiting pods: the pods' reconciler exists by then.
    this.#releaser = new BranchReleaser(parts, records, this.#retag, (node) => {
      this.#pods.serve(node);
    });
    this.#pods = new PodReconciler(parts, records, this.#groups, this.#releaser, this.#retag);
    // Moves between nodes and the warm pool plug into how nodes serve their queues.
    const mover = new BranchMover(parts, records, this.#releaser, {
      placed: (pod) => {
        this.#pods.queue.add(pod);
      },
      serve: (node) => {
        this.#pods.serve(node);
      },
    });
    const warmPool = new WarmPool(parts, records, this.#releaser, (node) => {
      this.#pods.serve(node);
    });
    this.#pods.serving.sourceBranch = (pod, node, groupKey, fallback) =>
      mover.serve(pod, node, groupKey, fallback);
    this.#pods.serving.served = (node) => {
      mover.offer(node);
      warmPool.refill(node);
    };
    this.#trunks = new TrunkPreparer(parts, records, this.#pods, this.#releaser);
    this.#recovery = new Recovery(parts, records, this.#groups, this.#pods, this.#releaser);
    this.#gc = new GarbageCollector(parts, records, this.#releaser);
    this.#watch = new ClusterWatch(
      parts,
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
    if (this.#started || this.#signal.aborted) {
      throw new AllocatorError('Invalid', 'BranchController.start() may be called once');
    }
    this.#started = true;
    this.#rebuilding = true;
    try {
      const snapshot = await this.#cluster.list();
      checkpoint(this.#signal);
      this.#watch.follow();
      for (const raw of snapshot.securityGroupPolicies) this.#groups.upsertPolicy(raw);
      for (const account of snapshot.serviceAccounts) {
        this.#groups.setServiceAccount(account.namespace, account.name, account.labels);
      }
      for (const node of snapshot.nodes) {
        this.#releaser.followConfirmations(this.#trunks.upsertNode(node), node);
      }
      const interfaces = await this.#ec2.call('DescribeNetworkInterfaces', 'critical', () =>
        this.#ec2.api.listNetworkInterfaces(this.#ec2.ownedFilter()),
      );
      await this.#recovery.rebuild(snapshot.pods, interfaces);
    } finally {
      this.#rebuilding = false;
    }
    this.#watch.replay();
    for (const node of this.#records.nodes.values()) this.#trunks.considerNode(node);
    this.#gc.start();
    this.#notifyIdle();
  }

  /**
   * Stops at once, like a crash that loses nothing: unsubscribes, aborts every wait and timer
   * and drops queued work. Calls already sent may still complete in EC2; their results are
   * ignored, and the next `start()` reconciles them. Leaves no timer behind.
   */
  stop(): Promise<void> {
    if (!this.#signal.aborted) {
      this.#abort.abort(new AllocatorError('Aborted', 'the branch controller stopped'));
      this.#watch.stop();
      this.#pool.clear();
      this.#timer.clear();
      this.#pods.queue.clear();
      this.#retag.clear();
      this.#timer.wake();
      this.#notifyIdle();
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
      !this.#rebuilding &&
      this.#pool.running === 0 &&
      this.#pool.queued === 0 &&
      !this.#retag.busy &&
      this.#events.pending === 0
    );
  }

  /** Resolves the next time `idle()` is true (at once when it is, or after `stop()`). */
  whenIdle(): Promise<void> {
    if (this.idle() || this.#signal.aborted) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  /** The clock time of the earliest pending cooldown, hold, requeue or sweep; null when none. */
  nextDeadline(): number | null {
    return this.#timer.peekTime() ?? null;
  }

  /** Counters: EC2 calls per API, mutating calls, background tag calls, throttles, outcomes. */
  stats(): ControllerStats {
    const ec2 = this.#ec2.counts;
    return {
      mutatingCalls: ec2.mutatingCalls,
      tagCalls: ec2.tagCalls,
      throttled: ec2.throttled,
      retries: ec2.retries,
      ...this.#events.counters,
      calls: { ...ec2.calls },
      throttledByApi: { ...ec2.throttledByApi },
    };
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

  /** Wakes `whenIdle()` callers when the controller is idle or stopped. */
  #notifyIdle(): void {
    if (this.#idleWaiters.length === 0) return;
    if (!this.idle() && !this.#signal.aborted) return;
    const waiters = this.#idleWaiters;
    this.#idleWaiters = [];
    for (const resolve of waiters) resolve();
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
