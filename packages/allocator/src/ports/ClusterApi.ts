import type {
  ClusterChange,
  ClusterEvent,
  ClusterNode,
  ClusterPod,
  ClusterServiceAccount,
} from '../models/ClusterObjects.js';

/** The Kubernetes objects the controller starts from. */
export interface ClusterSnapshot {
  pods: ClusterPod[];
  nodes: ClusterNode[];
  serviceAccounts: ClusterServiceAccount[];
  /** Raw SecurityGroupPolicy objects, parsed (and refused when invalid) by the allocator. */
  securityGroupPolicies: unknown[];
}

/**
 * The Kubernetes API operations the allocator drives. Methods may throw `AllocatorError` of
 * kind `Transient`, `Throttled` or `Unauthorized`.
 */
export interface ClusterApi {
  /** Lists everything the controller needs, consistently, to rebuild its state after a start. */
  list(): Promise<ClusterSnapshot>;

  /**
   * Delivers every change after the last `list()` to `listener`, in order, until the returned
   * function is called. Delivery is asynchronous: the listener is never called from inside a
   * method of this interface.
   */
  watch(listener: (change: ClusterChange) => void): () => void;

  /**
   * Sets (string) or removes (null) annotations on a pod only if its UID is still `pod.uid`.
   * Throws `NotFound` when the pod is gone and `Conflict` when the name now belongs to a pod
   * with another UID. Idempotent.
   */
  annotatePod(
    pod: { namespace: string; name: string; uid: string },
    annotations: Readonly<Record<string, string | null>>,
  ): Promise<void>;

  /**
   * Reads one pod by name, or null when no pod has that name. The controller reads it after a
   * `Conflict` on `annotatePod` to tell a transient conflict (same UID) from a replaced pod.
   */
  getPod(namespace: string, name: string): Promise<ClusterPod | null>;

  /** Sets `status.capacity` and `status.allocatable` of an extended resource on a node. Idempotent. */
  setNodeCapacity(nodeName: string, resource: string, quantity: number): Promise<void>;

  /** Records a Kubernetes event; best effort (adapters may drop events when throttled). */
  recordEvent(event: ClusterEvent): Promise<void>;

  /** A service account's labels, or null when it does not exist. */
  serviceAccountLabels(
    namespace: string,
    name: string,
  ): Promise<Readonly<Record<string, string>> | null>;
}
