import { PolicyIndex } from '@podsg/policy';
import type { ClusterPod } from '../../models/ClusterObjects.js';
import { POD_ENI_RESOURCE } from '../../models/wellKnownNames.js';
import type { AllocatorError } from '../../errors/AllocatorError.js';
import type { BranchRecord } from './BranchRecord.js';
import { recordQueueSettings } from './ControllerParts.js';
import type { ControllerParts } from './ControllerParts.js';
import type { ControllerRecords } from './ControllerRecords.js';
import { describeError } from '../../errors/describeError.js';
import type { NodeBranches } from './NodeBranches.js';
import type { PodRecord } from './PodRecord.js';
import { WorkQueue, done } from './WorkQueue.js';
import type { ReconcileResult, Reconciler } from './WorkQueue.js';

/** The parts of the controller GroupReconciler uses. */
type GroupReconcilerParts = Pick<
  ControllerParts,
  'clock' | 'signal' | 'ec2' | 'events' | 'submit' | 'schedule' | 'cancel'
>;

/**
 * Which security groups a pod gets, and keeping them right: the SecurityGroupPolicies and the
 * service accounts' labels, a pod's group set (its policies' groups, else its node's primary
 * groups as a fallback), and the ModifyNetworkInterfaceAttribute that follows a change of
 * policy, service account or pod labels (a work queue of pods: one change in flight per pod).
 */
export class GroupReconciler implements Reconciler<PodRecord> {
  readonly #deps: GroupReconcilerParts;
  readonly #records: ControllerRecords;
  readonly #policies = new PolicyIndex();
  readonly #serviceAccounts = new Map<string, Readonly<Record<string, string>>>();
  /** Pods already warned about matching a policy without requesting a branch. */
  readonly #warnedUnrequested = new Set<string>();
  /** Pods whose interface needs other groups; a failure is reported, not retried. */
  readonly #queue: WorkQueue<PodRecord>;

  constructor(deps: GroupReconcilerParts, records: ControllerRecords) {
    this.#deps = deps;
    this.#records = records;
    this.#queue = new WorkQueue(
      this,
      recordQueueSettings<PodRecord>(
        deps,
        0,
        () => 0,
        (pod) => ({ kind: 'pod', pod }),
      ),
    );
  }

  /** Adds or replaces a policy; an invalid one is reported as a Kubernetes event and skipped. */
  upsertPolicy(raw: unknown): void {
    try {
      this.#policies.upsert(raw as Parameters<PolicyIndex['upsert']>[0]);
    } catch (error) {
      const metadata = (raw as { metadata?: { namespace?: unknown; name?: unknown } } | null)
        ?.metadata;
      const name = typeof metadata?.name === 'string' ? metadata.name : '<unnamed>';
      const namespace = typeof metadata?.namespace === 'string' ? metadata.namespace : '';
      this.#deps.events.record(
        { kind: 'SecurityGroupPolicy', namespace, name },
        'Warning',
        'InvalidSecurityGroupPolicy',
        error instanceof Error ? error.message : String(error),
      );
    }
  }

  /** Removes a policy. */
  removePolicy(namespace: string, name: string): void {
    this.#policies.remove(namespace, name);
  }

  /** Records a service account's labels. */
  setServiceAccount(
    namespace: string,
    name: string,
    labels: Readonly<Record<string, string>>,
  ): void {
    this.#serviceAccounts.set(`${namespace}/${name}`, this.#records.interner.labels(labels));
  }

  /** Forgets a service account. */
  deleteServiceAccount(namespace: string, name: string): void {
    this.#serviceAccounts.delete(`${namespace}/${name}`);
  }

  /** Warns (once per pod) when a pod matches a policy but does not request a branch. */
  warnIfUnrequested(pod: ClusterPod): void {
    if (this.#warnedUnrequested.has(pod.uid) || pod.hostNetwork) return;
    const resolution = this.#policies.resolve(
      { namespace: pod.namespace, labels: pod.labels },
      this.#serviceAccountLabels(pod.namespace, pod.serviceAccountName),
    );
    if (resolution.groupIds.length === 0) return;
    this.#warnedUnrequested.add(pod.uid);
    this.#deps.events.record(
      { kind: 'Pod', namespace: pod.namespace, name: pod.name, uid: pod.uid },
      'Warning',
      'SecurityGroupsNotApplied',
      `Pod matches SecurityGroupPolicy ${resolution.policies.map((p) => p.name).join(', ')} ` +
        `but does not request ${POD_ENI_RESOURCE} (did the webhook fail open?); ` +
        `groups [${resolution.groupIds.join(', ')}] are not applied`,
    );
  }

  /** Forgets a deleted pod's warning. */
  forgetPod(uid: string): void {
    this.#warnedUnrequested.delete(uid);
  }

  #serviceAccountLabels(
    namespace: string,
    serviceAccountName: string,
  ): Readonly<Record<string, string>> | null {
    if (!this.#policies.needsServiceAccount(namespace)) return null;
    return this.#serviceAccounts.get(`${namespace}/${serviceAccountName}`) ?? null;
  }

  /** The pod's group set now: its policies' groups, else the node's primary groups (fallback). */
  resolve(pod: PodRecord, node: NodeBranches): { groupKey: string; fallback: boolean } {
    const resolution = this.#policies.resolve(
      { namespace: pod.namespace, labels: pod.labels },
      this.#serviceAccountLabels(pod.namespace, pod.serviceAccountName),
    );
    if (resolution.groupIds.length > 0) {
      return { groupKey: this.#records.interner.groups(resolution.groupIds), fallback: false };
    }
    return { groupKey: this.#records.interner.groups(node.primaryGroupIds), fallback: true };
  }

  /**
   * Reconciles the allocated pods of a namespace after a policy change, or only those of one
   * service account after a change of its labels.
   */
  reconcileNamespace(namespace: string, serviceAccountName: string | null): void {
    for (const pod of this.#records.pods.values()) {
      if (pod.namespace !== namespace || pod.status !== 'allocated') continue;
      if (serviceAccountName !== null && pod.serviceAccountName !== serviceAccountName) continue;
      this.reconcileGroups(pod);
    }
  }

  /**
   * Applies a changed resolution to the pod's interface: queues its group change when the
   * groups differ (one at a time per pod; a change that lands meanwhile runs after it).
   */
  reconcileGroups(pod: PodRecord): void {
    const branch = pod.branch;
    if (pod.status !== 'allocated' || branch === null) return;
    if (!this.#queue.has(pod)) {
      const { groupKey, fallback } = this.resolve(pod, branch.node);
      if (groupKey === branch.groupKey && branch.groupsUnsure !== true) {
        branch.fallback = fallback;
        return;
      }
    }
    this.#queue.add(pod);
  }

  /** A group change: ModifyNetworkInterfaceAttribute with the pod's groups now. */
  async reconcile(pod: PodRecord): Promise<ReconcileResult> {
    const branch = pod.branch;
    if (pod.status !== 'allocated' || branch === null || branch.eniId === null) return done;
    const eniId = branch.eniId;
    const { groupKey, fallback } = this.resolve(pod, branch.node);
    if (groupKey === branch.groupKey && branch.groupsUnsure !== true) {
      branch.fallback = fallback;
      return done;
    }
    const previousGroupIds = this.#records.interner.groupIds(branch.groupKey);
    const groupIds = this.#records.interner.groupIds(groupKey);
    await this.#modify(branch, eniId, groupIds);
    const node = branch.node;
    const terminating = branch.pod === pod && pod.terminating;
    if (terminating) node.undrain(pod, branch);
    node.ledger?.regroup(branch, groupKey);
    if (terminating) node.markTerminating(pod);
    branch.fallback = fallback;
    if (branch.pod !== pod || pod.isReleased()) return done;
    this.#deps.events.emit('groupsUpdated', {
      ...this.#records.detail(pod, branch),
      previousGroupIds,
    });
    if (fallback) {
      this.#deps.events.record(
        pod.ref(),
        'Warning',
        'SecurityGroupsRemoved',
        `No SecurityGroupPolicy matches the pod any more; ${eniId} keeps the node's primary ` +
          `groups [${groupIds.join(', ')}]`,
      );
    } else {
      this.#deps.events.record(
        pod.ref(),
        'Normal',
        'SecurityGroupsUpdated',
        `Security groups of ${eniId} changed from [${previousGroupIds.join(', ')}] to ` +
          `[${groupIds.join(', ')}]`,
      );
    }
    return done;
  }

  /**
   * Before a pod's annotation: whether its interface needs other groups than it has. A policy,
   * service account or label change can land while the interface is created, associated or
   * taken from the held ones for a group set resolved earlier; the pod must start with the
   * groups of the policies when it gets its network, not be fixed up after it runs. A check
   * without an await, so that allocations that need no change keep their order.
   */
  groupsStale(pod: PodRecord, branch: BranchRecord): boolean {
    const { groupKey, fallback } = this.resolve(pod, branch.node);
    if (branch.eniId === null) return false;
    if (groupKey !== branch.groupKey || branch.groupsUnsure === true) return true;
    branch.fallback = fallback;
    return false;
  }

  /**
   * Gives a pod's interface, before its annotation, the groups the pod resolves to now.
   *
   * @throws what ModifyNetworkInterfaceAttribute threw (the interface stays marked unsure)
   */
  async matchGroups(pod: PodRecord, branch: BranchRecord): Promise<void> {
    const { groupKey, fallback } = this.resolve(pod, branch.node);
    if (branch.eniId === null) return;
    await this.#modify(branch, branch.eniId, this.#records.interner.groupIds(groupKey));
    branch.node.ledger?.regroup(branch, groupKey);
    branch.fallback = fallback;
  }

  /** ModifyNetworkInterfaceAttribute; the interface is unsure of its groups until it succeeds. */
  async #modify(branch: BranchRecord, eniId: string, groupIds: readonly string[]): Promise<void> {
    branch.groupsUnsure = true;
    await this.#deps.ec2.call('ModifyNetworkInterfaceAttribute', 'critical', () =>
      this.#deps.ec2.api.modifyNetworkInterface({ networkInterfaceId: eniId, groupIds }),
    );
    delete branch.groupsUnsure;
  }

  /** A group change that failed is reported, not retried (the next change tries again). */
  failed(pod: PodRecord, error: AllocatorError): void {
    const branch = pod.branch;
    if (branch === null) return;
    const eniId = branch.eniId ?? '?';
    const groupIds = this.#records.interner.groupIds(this.resolve(pod, branch.node).groupKey);
    this.#deps.events.warn(`could not update the groups of ${eniId}`, error);
    this.#deps.events.record(
      pod.ref(),
      'Warning',
      'SecurityGroupsUpdateFailed',
      `Failed to apply [${groupIds.join(', ')}] to ${eniId}: ${describeError(error)}`,
    );
  }
}
