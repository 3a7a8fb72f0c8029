import { POD_ENI_ANNOTATION } from '@podsg/allocator';
import type { ClusterApi, ClusterChange, ClusterPod } from '@podsg/allocator';
import type { AgentPodAnswer } from '@podsg/cni';
import { agentAnswerForPod } from '../calculations/agentAnswerForPod.js';
import type { NodeAgentLog } from '../ports/NodeAgentLog.js';

/** Options of `PodCache`. */
export interface PodCacheOptions {
  /** The cluster to follow; only `list` and `watch` are used. */
  cluster: Pick<ClusterApi, 'list' | 'watch'>;
  /** This node's name: pods scheduled elsewhere are not kept. */
  nodeName: string;
  /** The node's trunk link, given in every answer for a pod that needs a branch. */
  trunkLink: string;
  log: NodeAgentLog;
  /**
   * Called once per pod incarnation that held a branch, when it starts terminating or is
   * deleted (the confirmed-release tracker then watches for its VLAN device to go away).
   */
  onDeparture?: (pod: DepartingBranchPod) => void;
}

/** A pod of this node that held a branch and is going away. */
export interface DepartingBranchPod {
  readonly namespace: string;
  readonly name: string;
  readonly uid: string;
  readonly eniId: string;
  readonly vlanId: number;
}

interface CachedPod {
  uid: string;
  /** The raw annotation the answer was computed from, so a bad one is reported once per change. */
  annotation: string | undefined;
  answer: AgentPodAnswer;
  /** Whether `onDeparture` was called for this incarnation. */
  departed: boolean;
}

const key = (namespace: string, name: string): string => `${namespace}/${name}`;

/**
 * The pods of one node as the node agent answers about them, kept current from `ClusterApi`
 * events: `start()` lists the cluster, then follows its watch until `stop()`.
 */
export class PodCache {
  readonly #options: PodCacheOptions;
  readonly #pods = new Map<string, CachedPod>();
  #stopWatch: (() => void) | undefined;
  #synced = false;

  constructor(options: PodCacheOptions) {
    this.#options = options;
  }

  /** True once the initial list is in: before that, "unknown pod" would be a guess. */
  get synced(): boolean {
    return this.#synced;
  }

  /** How many pods of this node are cached. */
  get size(): number {
    return this.#pods.size;
  }

  /**
   * Lists the cluster and starts following changes. Throws what `ClusterApi.list` throws; the
   * cache stays unsynced then and `start` may be called again.
   */
  async start(): Promise<void> {
    if (this.#stopWatch !== undefined) return;
    const snapshot = await this.#options.cluster.list();
    this.#pods.clear();
    for (const pod of snapshot.pods) this.#upsert(pod);
    this.#stopWatch = this.#options.cluster.watch((change) => {
      this.#apply(change);
    });
    this.#synced = true;
    this.#options.log.info(
      `pod cache synced: ${this.#pods.size} pods on node ${this.#options.nodeName}`,
    );
  }

  /** Stops following the cluster; answers stay as they were. Idempotent. */
  stop(): void {
    this.#stopWatch?.();
    this.#stopWatch = undefined;
  }

  /** The answer for a pod of this node, or null when the cache does not know it. */
  answerFor(namespace: string, name: string): AgentPodAnswer | null {
    return this.#pods.get(key(namespace, name))?.answer ?? null;
  }

  #apply(change: ClusterChange): void {
    if (change.kind !== 'Pod') return;
    if (change.type === 'upsert') {
      this.#upsert(change.pod);
      return;
    }
    const cached = this.#pods.get(key(change.pod.namespace, change.pod.name));
    // A late delete of an older pod must not evict the pod that now holds the name.
    if (cached?.uid === change.pod.uid) {
      this.#depart(change.pod, cached);
      this.#pods.delete(key(change.pod.namespace, change.pod.name));
    }
  }

  #upsert(pod: ClusterPod): void {
    const podKey = key(pod.namespace, pod.name);
    if (pod.nodeName !== this.#options.nodeName) {
      // Not (or no longer) ours: a pod of the same name re-created on another node.
      this.#pods.delete(podKey);
      return;
    }
    const { answer, annotationProblem } = agentAnswerForPod(pod, this.#options.trunkLink);
    const previous = this.#pods.get(podKey);
    const annotation = pod.requestsPodEni ? pod.annotations[POD_ENI_ANNOTATION] : undefined;
    if (
      annotationProblem !== undefined &&
      (previous?.uid !== pod.uid || previous.annotation !== annotation)
    ) {
      this.#options.log.warn(
        `pod ${podKey} (uid ${pod.uid}): ${annotationProblem}; answering as not yet annotated`,
      );
    }
    const departed = previous?.uid === pod.uid && previous.departed;
    const cached: CachedPod = { uid: pod.uid, annotation, answer, departed };
    this.#pods.set(podKey, cached);
    if (pod.terminating) this.#depart(pod, cached);
  }

  #depart(pod: ClusterPod, cached: CachedPod): void {
    const { answer } = cached;
    // An annotation without eniId cannot name the branch to the controller: nothing to confirm.
    if (cached.departed || !answer.required || answer.branch?.eniId === undefined) return;
    cached.departed = true;
    this.#options.onDeparture?.({
      namespace: pod.namespace,
      name: pod.name,
      uid: pod.uid,
      eniId: answer.branch.eniId,
      vlanId: answer.branch.vlanId,
    });
  }
}
