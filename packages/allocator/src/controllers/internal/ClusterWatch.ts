import type { ClusterChange, ClusterPod } from '../../models/ClusterObjects.js';
import type { BranchReleaser } from './BranchReleaser.js';
import type { ControllerParts } from './ControllerParts.js';
import type { ControllerRecords } from './ControllerRecords.js';
import type { GroupReconciler } from './GroupReconciler.js';
import type { PodReconciler } from './PodReconciler.js';
import type { TrunkPreparer } from './TrunkPreparer.js';

/** The parts of the controller ClusterWatch uses. */
type ClusterWatchParts = Pick<ControllerParts, 'signal' | 'cluster' | 'events' | 'rebuilding'>;

/**
 * Following the cluster's watch: changes that arrive while `start()` rebuilds are buffered and
 * replayed after it; then each pod, node, service-account and policy change goes to the part
 * it concerns (a scheduled pod is queued on its node, a finished one released, a node
 * prepared or its branches deleted (its confirmed releases followed), a policy change
 * reconciled).
 */
export class ClusterWatch {
  readonly #deps: ClusterWatchParts;
  readonly #records: ControllerRecords;
  readonly #groups: GroupReconciler;
  readonly #trunks: TrunkPreparer;
  readonly #pods: PodReconciler;
  readonly #releaser: BranchReleaser;
  #buffered: ClusterChange[] = [];
  #unwatch: (() => void) | null = null;

  constructor(
    deps: ClusterWatchParts,
    records: ControllerRecords,
    groups: GroupReconciler,
    trunks: TrunkPreparer,
    pods: PodReconciler,
    releaser: BranchReleaser,
  ) {
    this.#deps = deps;
    this.#records = records;
    this.#groups = groups;
    this.#trunks = trunks;
    this.#pods = pods;
    this.#releaser = releaser;
  }

  /** Subscribes to the watch, buffering changes while the controller rebuilds. */
  follow(): void {
    this.#unwatch = this.#deps.cluster.watch((change) => {
      if (this.#deps.signal.aborted) return;
      if (this.#deps.rebuilding()) this.#buffered.push(change);
      else this.#apply(change);
    });
  }

  /** Applies the changes buffered during the rebuild, in order. */
  replay(): void {
    const buffered = this.#buffered;
    this.#buffered = [];
    for (const change of buffered) this.#apply(change);
  }

  /** Unsubscribes. */
  stop(): void {
    this.#unwatch?.();
    this.#unwatch = null;
  }

  #apply(change: ClusterChange): void {
    try {
      switch (change.kind) {
        case 'Pod':
          if (change.type === 'upsert') this.#onPodUpsert(change.pod);
          else this.#onPodDelete(change.pod);
          break;
        case 'Node':
          if (change.type === 'upsert') {
            const node = this.#trunks.upsertNode(change.node);
            this.#releaser.followConfirmations(node, change.node);
            this.#trunks.considerNode(node);
          } else this.#trunks.removeNode(change.node);
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
      this.#deps.events.warn(`could not apply a ${change.kind} ${change.type}`, error);
    }
  }

  #onPodUpsert(pod: ClusterPod): void {
    const terminal = pod.phase === 'Succeeded' || pod.phase === 'Failed';
    let record = this.#records.pods.get(pod.uid);
    if (record === undefined) {
      if (terminal) return;
      if (!pod.requestsPodEni) {
        this.#groups.warnIfUnrequested(pod);
        return;
      }
      if (pod.hostNetwork) return;
      record = this.#records.newPodRecord(pod);
      this.#records.pods.set(pod.uid, record);
    } else {
      const labels = this.#records.interner.labels(pod.labels);
      const identityChanged =
        labels !== record.labels || pod.serviceAccountName !== record.serviceAccountName;
      record.labels = labels;
      record.serviceAccountName = this.#records.interner.text(pod.serviceAccountName);
      if (terminal) {
        this.#pods.release(record);
        return;
      }
      if (identityChanged && record.status === 'allocated') this.#groups.reconcileGroups(record);
      if (pod.terminating && !record.terminating) {
        if (record.branch === null) record.terminating = true;
        else record.branch.node.markTerminating(record);
      }
      // A failed pod tries again once it changes.
      if (record.status === 'failed') record.moveTo('idle');
    }
    if (record.status === 'idle' && pod.nodeName !== null) {
      this.#pods.schedule(record, this.#records.nodeRecord(pod.nodeName));
    }
  }

  #onPodDelete(pod: ClusterPod): void {
    this.#groups.forgetPod(pod.uid);
    const record = this.#records.pods.get(pod.uid);
    if (record !== undefined) this.#pods.release(record);
  }
}
