import {
  BranchController,
  decodePodEniAnnotation,
  instanceLimits,
  POD_ENI_ANNOTATION,
  type BranchControllerOptions,
  type ClusterChange,
  type ClusterPod,
  type PodEniAttachment,
} from '@podsg/allocator';
import {
  FakeCluster,
  FakeEc2,
  FakeReleaseConfirmer,
  SeededRandom,
  VirtualClock,
  type FakePodState,
} from '@podsg/adapters-fake';
import { planPodNetwork } from '@podsg/cni';
import { parseSecurityGroupPolicy, PolicyIndex } from '@podsg/policy';
import { readyPercentiles, toSeconds } from '../calculations/percentiles.js';
import { summarizeEc2Faults } from '../calculations/summarizeEc2Faults.js';
import { buildScenarioCloud } from './buildScenarioCloud.js';
import type { GeneratePods, Scenario, TimelineStep } from '../models/Scenario.js';
import type {
  SimulatedInterfaceReport,
  SimulatedPodReport,
  SimulationReport,
} from '../models/SimulationReport.js';

/** How often invariants are checked while the simulation runs, in simulated ms. */
const INVARIANT_CHECK_INTERVAL_MS = 5_000;
/** Kinds applied first at an instant, so pods meet the policies and accounts beside them. */
const APPLY_ORDER = ['ServiceAccount', 'SecurityGroupPolicy', 'Pod'];

/** Where a long simulation is: simulated time reached, the end, live pods. */
export interface SimulationProgress {
  readonly simulatedSeconds: number;
  readonly untilSeconds: number;
  readonly pods: number;
}

/**
 * One run of a scenario: the real `BranchController`, the real admission reviews (inside
 * `FakeCluster`) and the real CNI planner, against `FakeEc2` and `FakeCluster` on a
 * `VirtualClock`. Deterministic for a scenario and a seed.
 */
export class Simulation {
  readonly clock = new VirtualClock();
  readonly ec2: FakeEc2;
  readonly cluster: FakeCluster;
  #controller: BranchController;
  readonly #violations = new Set<string>();
  /** Timeline steps that had nothing to act on, such as deleting a pod that is gone. */
  readonly #scenarioWarnings: string[] = [];
  readonly #generated = new Map<string, number>();
  /** Simulated seconds of each controller restart. */
  readonly #restarts: number[] = [];
  /** The simulation's own view of policies and service accounts: the oracle for group checks. */
  readonly #oracle = new PolicyIndex();
  readonly #serviceAccountLabels = new Map<string, Readonly<Record<string, string>>>();
  /** Live pods as the watch reports them, so a check per allocation is not a scan of all pods. */
  readonly #watchedPods = new Map<string, ClusterPod>();
  /**
   * Called at most every {@link progressIntervalMs} of real time while a run lasts longer than
   * that (long runs show they are moving); never for a short run. Does not change the run.
   */
  onProgress: ((progress: SimulationProgress) => void) | null = null;
  /** Real milliseconds between two {@link onProgress} calls. */
  progressIntervalMs = 2_000;
  /** The node agents' confirmed releases, when the scenario has them. */
  readonly #releaseConfirmer: FakeReleaseConfirmer | null = null;
  /** Cooldowns ended by a confirmation, and run out, under the controllers before a restart. */
  #earlierCooldowns = { releasesConfirmed: 0, cooldownsExpired: 0 };
  /** Branch moves of controllers replaced by a restart. */
  #earlierMoves = 0;

  /**
   * @param controllerOptions - controller options beyond the scenario format (such as
   *   `reuseWaitSeconds`), applied over the scenario's; for benchmarks and experiments.
   */
  constructor(
    readonly scenario: Scenario,
    readonly seed = 1,
    readonly controllerOptions: Partial<Omit<BranchControllerOptions, 'clusterName'>> = {},
  ) {
    const cloud = buildScenarioCloud(scenario, this.clock, seed);
    this.ec2 = cloud.ec2;
    this.cluster = cloud.cluster;
    if (scenario.nodeAgent.confirmRelease) {
      this.#releaseConfirmer = new FakeReleaseConfirmer({
        cluster: this.cluster,
        clock: this.clock,
      });
    }
    this.#controller = this.#newController();
  }

  /** Runs the scenario to its end and reports; the controller is stopped afterwards. */
  async run(): Promise<SimulationReport> {
    const stopWatching = this.cluster.watch((change) => {
      this.#observe(change);
    });
    // Everything runs inside the driven clock: EC2 answers after simulated latency, so even
    // the controller's start needs time to move.
    this.#releaseConfirmer?.start();
    this.#track(this.#boot());
    for (const step of this.scenario.timeline) {
      this.clock.schedule(step.at * 1000, () => {
        this.#track(this.#runStep(step));
      });
    }
    this.#scheduleInvariantChecks();
    await this.clock.runUntil(this.scenario.until * 1000);
    this.#checkInvariants(true);
    const report = this.#report();
    await this.#controller.stop();
    this.#releaseConfirmer?.stop();
    stopWatching();
    return report;
  }

  /** Cooldowns ended by a confirmation, and run out, over every controller of the run so far. */
  cooldowns(): { releasesConfirmed: number; cooldownsExpired: number } {
    const { releasesConfirmed, cooldownsExpired } = this.#controller.stats();
    return {
      releasesConfirmed: this.#earlierCooldowns.releasesConfirmed + releasesConfirmed,
      cooldownsExpired: this.#earlierCooldowns.cooldownsExpired + cooldownsExpired,
    };
  }

  /** Held branches the controllers moved to another node's trunk, restarts included. */
  moves(): number {
    return this.#earlierMoves + this.#controller.stats().moved;
  }

  async #boot(): Promise<void> {
    await this.#applyObjects(this.scenario.objects);
    await this.#controller.start();
  }

  #observe(change: ClusterChange): void {
    if (change.kind === 'Pod') {
      const key = `${change.pod.namespace}/${change.pod.name}`;
      if (change.type === 'delete') this.#watchedPods.delete(key);
      else this.#watchedPods.set(key, change.pod);
    } else if (change.kind === 'SecurityGroupPolicy') {
      if (change.type === 'delete') this.#oracle.remove(change.namespace, change.name);
      else this.#oracle.upsert(parseSecurityGroupPolicy(change.policy));
    } else if (change.kind === 'ServiceAccount') {
      const key = `${change.serviceAccount.namespace}/${change.serviceAccount.name}`;
      if (change.type === 'delete') this.#serviceAccountLabels.delete(key);
      else this.#serviceAccountLabels.set(key, change.serviceAccount.labels);
    }
  }

  #newController(): BranchController {
    const { controller, cluster } = this.scenario;
    const options: BranchControllerOptions = {
      clusterName: cluster.name,
      vpcId: cluster.vpc.id,
      strategy: controller.strategy,
      random: seededRandom(this.seed * 7919 + 17),
      ...(controller.cooldownSeconds === null
        ? {}
        : { cooldownSeconds: controller.cooldownSeconds }),
      ...(controller.recycleSeconds === null ? {} : { recycleSeconds: controller.recycleSeconds }),
      ...(controller.workers === null ? {} : { workers: controller.workers }),
      ...(controller.moveBranches === null ? {} : { moveBranches: controller.moveBranches }),
      ...(controller.releaseWaitSeconds === null
        ? {}
        : { releaseWaitSeconds: controller.releaseWaitSeconds }),
      ...(controller.warmPool === null
        ? {}
        : {
            warmPool: {
              branchesPerNode: controller.warmPool.branchesPerNode,
              ...(controller.warmPool.idleSeconds === null
                ? {}
                : { idleSeconds: controller.warmPool.idleSeconds }),
            },
          }),
      ...(controller.ec2ClientQps === null && controller.ec2ClientBurst === null
        ? {}
        : {
            rateLimits: {
              shared: {
                refillPerSecond: controller.ec2ClientQps ?? 12,
                capacity:
                  controller.ec2ClientBurst ?? Math.ceil((controller.ec2ClientQps ?? 12) * 1.5),
              },
            },
          }),
      ...this.controllerOptions,
    };
    const created = new BranchController({
      networkInterfaces: this.ec2,
      cluster: this.cluster,
      clock: this.clock,
      options,
    });
    created.events.on('allocated', (detail) => {
      this.#checkGroupsAtAllocation(detail.pod, detail.groupIds);
    });
    return created;
  }

  async #runStep(step: TimelineStep): Promise<void> {
    if (step.restartController) {
      // Throw the controller's memory away; the next one rebuilds from EC2 and the cluster.
      this.#restarts.push(toSeconds(this.clock.now()));
      await this.#controller.stop();
      this.#earlierCooldowns = this.cooldowns();
      this.#earlierMoves = this.moves();
      this.#controller = this.#newController();
      await this.#controller.start();
    }
    await this.#applyObjects(step.apply);
    for (const target of step.delete) {
      if (!(await this.#deleteObject(target))) {
        this.#scenarioWarnings.push(
          `t=${step.at}s: delete of ${target.kind} ${target.namespace}/${target.name}: not found`,
        );
      }
    }
    if (step.generatePods) await this.#generatePods(step.generatePods);
  }

  /** Deletes a timeline step's target; false when there was no such object. */
  async #deleteObject(target: TimelineStep['delete'][number]): Promise<boolean> {
    switch (target.kind) {
      case 'Pod':
        if (this.cluster.podManifest(target.namespace, target.name) === null) return false;
        await this.cluster.deletePod(target.namespace, target.name);
        return true;
      case 'SecurityGroupPolicy':
        return this.cluster.deletePolicy(target.namespace, target.name);
      case 'ServiceAccount':
        return this.cluster.deleteServiceAccount(target.namespace, target.name);
    }
  }

  async #applyObjects(objects: readonly Record<string, unknown>[]): Promise<void> {
    const ordered = [...objects].sort(
      (a, b) => APPLY_ORDER.indexOf(String(a['kind'])) - APPLY_ORDER.indexOf(String(b['kind'])),
    );
    for (const object of ordered) await this.cluster.applyObject(object);
  }

  async #generatePods(spec: GeneratePods): Promise<void> {
    // Numbering continues across steps with the same prefix, so names never collide.
    const key = `${spec.namespace}/${spec.prefix}`;
    const first = (this.#generated.get(key) ?? 0) + 1;
    this.#generated.set(key, first + spec.count - 1);
    for (let n = first; n < first + spec.count; n++) {
      await this.cluster.createPod({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: `${spec.prefix}-${n}`, namespace: spec.namespace, labels: spec.labels },
        spec: {
          serviceAccountName: spec.serviceAccountName,
          containers: [{ name: 'app', image: 'registry.example/app:1' }],
        },
      });
    }
  }

  /** Work started by a timeline step; a failure is reported as a violation, not thrown. */
  #track(work: Promise<void>): void {
    work.catch((error: unknown) => {
      this.#violations.add(
        `timeline step failed: ${error instanceof Error ? error.message : String(error)}`,
      );
    });
  }

  #scheduleInvariantChecks(): void {
    let lastReport = performance.now();
    const tick = (): void => {
      this.#checkInvariants(false);
      const now = performance.now();
      if (this.onProgress !== null && now - lastReport >= this.progressIntervalMs) {
        lastReport = now;
        this.onProgress({
          simulatedSeconds: toSeconds(this.clock.now()),
          untilSeconds: this.scenario.until,
          pods: this.#watchedPods.size,
        });
      }
      if (this.clock.now() + INVARIANT_CHECK_INTERVAL_MS <= this.scenario.until * 1000) {
        this.clock.schedule(INVARIANT_CHECK_INTERVAL_MS, tick);
      }
    };
    this.clock.schedule(INVARIANT_CHECK_INTERVAL_MS, tick);
  }

  /** The invariants: VLANs, ownership, groups, capacity; `final` adds the end-state checks. */
  #checkInvariants(final: boolean): void {
    const at = `t=${toSeconds(this.clock.now())}s`;
    const owners = new Map<string, string>();
    const vlans = new Map<string, string>();
    for (const pod of this.cluster.pods()) {
      const attachment = this.#attachmentOf(pod);
      if (attachment === null) continue;
      const podName = `${pod.namespace}/${pod.name}`;
      const owner = owners.get(attachment.eniId);
      if (owner !== undefined)
        this.#violations.add(`${at}: ${attachment.eniId} is given to both ${owner} and ${podName}`);
      owners.set(attachment.eniId, podName);
      const vlanKey = `${pod.nodeName ?? '?'}/${attachment.vlanId}`;
      const vlanOwner = vlans.get(vlanKey);
      if (vlanOwner !== undefined) {
        this.#violations.add(
          `${at}: VLAN ${attachment.vlanId} on ${pod.nodeName ?? '?'} is used by ${vlanOwner} and ${podName}`,
        );
      }
      vlans.set(vlanKey, podName);
      if (final) this.#checkWireable(pod, attachment);
    }
    const perTrunk = new Map<string, Set<number>>();
    for (const association of this.ec2.associations()) {
      const used = perTrunk.get(association.trunkInterfaceId) ?? new Set<number>();
      if (used.has(association.vlanId)) {
        this.#violations.add(
          `${at}: VLAN ${association.vlanId} is associated twice on ${association.trunkInterfaceId}`,
        );
      }
      used.add(association.vlanId);
      perTrunk.set(association.trunkInterfaceId, used);
    }
    for (const node of this.#controller.inspect().nodes) {
      const held =
        node.counts['in-use'] + node.counts.cooling + node.counts.held + node.counts.creating;
      if (node.capacity > 0 && held > node.capacity) {
        this.#violations.add(
          `${at}: node ${node.name} holds ${held} branch interfaces for a capacity of ${node.capacity}`,
        );
      }
      const trunkUse =
        node.trunkInterfaceId === null ? 0 : (perTrunk.get(node.trunkInterfaceId)?.size ?? 0);
      if (
        node.instanceType !== null &&
        trunkUse > instanceLimits(node.instanceType).branchInterfaces
      ) {
        this.#violations.add(
          `${at}: trunk of ${node.name} has ${trunkUse} branches, above its instance type's limit`,
        );
      }
    }
    if (final) this.#checkFinalGroups();
  }

  #checkGroupsAtAllocation(
    pod: { namespace: string; name: string },
    groupIds: readonly string[],
  ): void {
    const podState = this.#watchedPods.get(`${pod.namespace}/${pod.name}`);
    if (!podState) return;
    const expected = this.#resolve(podState);
    if (expected.length > 0 && expected.join(',') !== [...groupIds].sort().join(',')) {
      this.#violations.add(
        `t=${toSeconds(this.clock.now())}s: ${pod.namespace}/${pod.name} was given [${groupIds.join(', ')}] but resolves to [${expected.join(', ')}]`,
      );
    }
  }

  /** At the end every annotated pod's interface carries exactly its resolved groups. */
  #checkFinalGroups(): void {
    const interfaces = new Map(this.ec2.interfaces().map((eni) => [eni.networkInterfaceId, eni]));
    for (const pod of this.cluster.pods()) {
      const attachment = this.#attachmentOf(pod);
      if (attachment === null || pod.terminating) continue;
      const expected = this.#resolve(pod);
      const actual = interfaces.get(attachment.eniId)?.groupIds ?? [];
      if (expected.length > 0 && expected.join(',') !== [...actual].sort().join(',')) {
        this.#violations.add(
          `end: ${pod.namespace}/${pod.name} has [${actual.join(', ')}] on ${attachment.eniId} but resolves to [${expected.join(', ')}]`,
        );
      }
    }
  }

  /** The node side must be able to wire every annotation the controller wrote. */
  #checkWireable(pod: FakePodState, attachment: PodEniAttachment): void {
    try {
      planPodNetwork({
        mode: 'strict',
        podNamespace: pod.namespace,
        podName: pod.name,
        ifName: 'eth0',
        mtu: 9001,
        vethPrefix: 'eni',
        hostVethMac: '02:00:00:00:00:01',
        trunkLink: 'eth1',
        branch: {
          vlanId: attachment.vlanId,
          ifAddress: attachment.ifAddress,
          privateIp: attachment.privateIp,
          subnetCidr: attachment.subnetCidr,
          ...(attachment.ipv6Addr === ''
            ? {}
            : { ipv6Addr: attachment.ipv6Addr, subnetV6Cidr: attachment.subnetV6Cidr }),
        },
      });
    } catch (error) {
      this.#violations.add(
        `end: the CNI planner refuses the annotation of ${pod.namespace}/${pod.name}: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }

  #resolve(pod: ClusterPod): string[] {
    const labels =
      this.#serviceAccountLabels.get(`${pod.namespace}/${pod.serviceAccountName}`) ?? null;
    return this.#oracle.resolve(pod, labels).groupIds;
  }

  #attachmentOf(pod: FakePodState): PodEniAttachment | null {
    const annotation = pod.annotations[POD_ENI_ANNOTATION];
    if (annotation === undefined) return null;
    try {
      return decodePodEniAnnotation(annotation)[0] ?? null;
    } catch (error) {
      this.#violations.add(
        `${pod.namespace}/${pod.name} has a malformed annotation: ${error instanceof Error ? error.message : String(error)}`,
      );
      return null;
    }
  }

  #report(): SimulationReport {
    const interfaces = this.ec2.interfaces();
    const groupsOf = new Map(interfaces.map((eni) => [eni.networkInterfaceId, eni.groupIds]));
    const livePods = this.cluster.pods();
    const ready: number[] = [];
    let waiting = 0;
    let pending = 0;
    const pods = this.cluster.pods({ includeRemoved: true }).map((pod): SimulatedPodReport => {
      const attachment = this.#attachmentOf(pod);
      const annotatedAt = pod.annotatedAt[POD_ENI_ANNOTATION] ?? null;
      if (attachment !== null && annotatedAt !== null) ready.push(annotatedAt - pod.createdAt);
      const alive = pod.removedAt === null && !pod.terminating;
      if (alive && pod.nodeName === null) pending++;
      else if (alive && pod.requestsPodEni && attachment === null) waiting++;
      return {
        namespace: pod.namespace,
        name: pod.name,
        uid: pod.uid,
        node: pod.nodeName,
        groupIds:
          attachment === null ? this.#resolve(pod) : [...(groupsOf.get(attachment.eniId) ?? [])],
        branch:
          attachment === null
            ? null
            : {
                eniId: attachment.eniId,
                vlanId: attachment.vlanId,
                privateIp: attachment.privateIp,
                ifAddress: attachment.ifAddress,
              },
        createdAt: toSeconds(pod.createdAt),
        scheduledAt: pod.scheduledAt === null ? null : toSeconds(pod.scheduledAt),
        annotatedAt: annotatedAt === null ? null : toSeconds(annotatedAt),
        removedAt: pod.removedAt === null ? null : toSeconds(pod.removedAt),
      };
    });
    const associations = new Map(this.ec2.associations().map((a) => [a.branchInterfaceId, a]));
    const networkInterfaces = interfaces.map((eni): SimulatedInterfaceReport => {
      const association = associations.get(eni.networkInterfaceId);
      return {
        id: eni.networkInterfaceId,
        kind: eni.interfaceType === 'interface' ? 'primary' : eni.interfaceType,
        status: eni.status,
        groupIds: [...eni.groupIds],
        subnetId: eni.subnetId,
        vlanId: association?.vlanId ?? 0,
        trunkId: association?.trunkInterfaceId ?? eni.attachment?.instanceId ?? '',
        tags: { ...eni.tags },
      };
    });
    const ownedByLivePods = new Set(
      livePods.flatMap((pod) => {
        const attachment = this.#attachmentOf(pod);
        return attachment === null ? [] : [attachment.eniId];
      }),
    );
    const kept = new Set(
      this.#controller
        .inspect()
        .branches.filter((branch) => branch.state === 'cooling' || branch.state === 'held')
        .flatMap((branch) => (branch.eniId === null ? [] : [branch.eniId])),
    );
    const leakedInterfaces = interfaces.filter(
      (eni) =>
        eni.interfaceType === 'branch' &&
        !ownedByLivePods.has(eni.networkInterfaceId) &&
        !kept.has(eni.networkInterfaceId),
    ).length;
    const calls = this.ec2.calls();
    const ec2Calls: Record<string, number> = {};
    for (const call of calls) ec2Calls[call.api] = (ec2Calls[call.api] ?? 0) + 1;
    return {
      scenario: {
        cluster: this.scenario.cluster.name,
        strategy: this.scenario.controller.strategy,
        seed: this.seed,
        until: this.scenario.until,
      },
      pods,
      networkInterfaces,
      ec2Calls,
      ec2Throttled: calls.filter((call) => call.outcome === 'throttled').length,
      ec2MutatingCalls: calls.filter((call) => !call.api.startsWith('Describe')).length,
      ec2Faults: summarizeEc2Faults(calls),
      controllerRestarts: [...this.#restarts],
      podReadySeconds: readyPercentiles(ready.map((ms) => ms / 1000)),
      podsWaitingForBranch: waiting,
      podsPending: pending,
      leakedInterfaces,
      ...(this.scenario.nodeAgent.confirmRelease ? { confirmedRelease: this.cooldowns() } : {}),
      violations: [...this.#violations],
      scenarioWarnings: [...this.#scenarioWarnings],
      events: this.cluster.events().map((event) => ({
        at: toSeconds(event.at),
        object: [
          event.involvedObject.kind,
          event.involvedObject.namespace,
          event.involvedObject.name,
        ]
          .filter((part) => part !== undefined)
          .join('/'),
        type: event.type,
        reason: event.reason,
        message: event.message,
      })),
    };
  }
}

function seededRandom(seed: number): () => number {
  const random = new SeededRandom(seed);
  return () => random.next();
}
