import {
  AllocatorError,
  MAX_RELEASED_BRANCHES,
  parsePodEniAnnotation,
  POD_ENI_ANNOTATION,
  RELEASED_BRANCHES_ANNOTATION,
  type ClusterPod,
  type Clock,
  type ReleasedBranch,
} from '@podsg/allocator';
import type { FakeCluster } from './FakeCluster.js';

/** Options of `FakeReleaseConfirmer`. */
export interface FakeReleaseConfirmerOptions {
  readonly cluster: FakeCluster;
  readonly clock: Clock;
  /** The agent's scan period: a release is published at the first scan after it; default 1000 ms. */
  readonly scanIntervalMs?: number;
  /** How long a confirmation stays in the annotation; default 10 minutes. */
  readonly retentionMs?: number;
}

/**
 * The node agents' confirmed release, modelled for `FakeCluster`: when a pod that held a branch
 * (its `vpc.amazonaws.com/pod-eni` annotation) is removed, its kubelet has torn the sandbox down
 * and `podsg-cni` DEL removed the pod's VLAN device; at its next scan the node's agent appends
 * `{ eniId, vlanId, podUid, releasedAt }` to the Node's `podsg.io/released-branches` annotation
 * (one write per node per scan; entries kept `retentionMs`, at most `MAX_RELEASED_BRANCHES`,
 * newest last), as the reference daemon's agent does. A node deleted meanwhile gets nothing.
 */
export class FakeReleaseConfirmer {
  readonly #cluster: FakeCluster;
  readonly #clock: Clock;
  readonly #scanIntervalMs: number;
  readonly #retentionMs: number;
  /** Confirmations awaiting the next scan, by node. */
  readonly #pending = new Map<string, ReleasedBranch[]>();
  /** What each node's annotation holds, with the clock time of each entry. */
  readonly #published = new Map<string, { entry: ReleasedBranch; at: number }[]>();
  #scanQueued = false;
  #unwatch: (() => void) | null = null;

  /** @throws AllocatorError `Invalid` for a scan interval or retention that is not > 0 */
  constructor(options: FakeReleaseConfirmerOptions) {
    this.#cluster = options.cluster;
    this.#clock = options.clock;
    this.#scanIntervalMs = positive('scanIntervalMs', options.scanIntervalMs ?? 1000);
    this.#retentionMs = positive('retentionMs', options.retentionMs ?? 600_000);
  }

  /** Starts following pod removals. */
  start(): void {
    this.#unwatch ??= this.#cluster.watch((change) => {
      if (change.kind === 'Pod' && change.type === 'delete') this.#removed(change.pod);
    });
  }

  /** Stops following; confirmations not yet published are dropped. */
  stop(): void {
    this.#unwatch?.();
    this.#unwatch = null;
    this.#pending.clear();
  }

  #removed(pod: ClusterPod): void {
    const annotation = pod.annotations[POD_ENI_ANNOTATION];
    if (pod.nodeName === null || annotation === undefined) return;
    // The node side reads element 0; a pod whose annotation it cannot use was never wired.
    const parsed = parsePodEniAnnotation(annotation);
    if (!parsed.ok || parsed.branch.eniId === undefined) return;
    const entries = this.#pending.get(pod.nodeName) ?? [];
    entries.push({
      eniId: parsed.branch.eniId,
      vlanId: parsed.branch.vlanId,
      podUid: pod.uid,
      releasedAt: new Date(this.#clock.now()).toISOString(),
    });
    this.#pending.set(pod.nodeName, entries);
    if (this.#scanQueued) return;
    this.#scanQueued = true;
    const now = this.#clock.now();
    const nextScan = (Math.floor(now / this.#scanIntervalMs) + 1) * this.#scanIntervalMs;
    void this.#clock.sleep(nextScan - now).then(() => {
      this.#scanQueued = false;
      this.#scan();
    });
  }

  #scan(): void {
    if (this.#unwatch === null) return;
    const now = this.#clock.now();
    for (const [node, entries] of this.#pending) {
      const kept = (this.#published.get(node) ?? [])
        .filter((published) => now - published.at < this.#retentionMs)
        .concat(entries.map((entry) => ({ entry, at: now })))
        .slice(-MAX_RELEASED_BRANCHES);
      try {
        this.#cluster.annotateNode(node, {
          [RELEASED_BRANCHES_ANNOTATION]: JSON.stringify(kept.map(({ entry }) => entry)),
        });
        this.#published.set(node, kept);
      } catch (error) {
        if (!AllocatorError.is(error, 'NotFound')) throw error;
        this.#published.delete(node);
      }
    }
    this.#pending.clear();
  }
}

function positive(name: string, value: number): number {
  if (!(Number.isFinite(value) && value > 0)) {
    throw new AllocatorError(
      'Invalid',
      `FakeReleaseConfirmer: ${name} ${String(value)} is not > 0`,
    );
  }
  return value;
}
