import type { LeaseRecord, LeaseSpec } from '../models/LeaseRecord.js';

/**
 * The Lease operations leader election needs (`coordination.k8s.io/v1`, namespaced). The
 * production adapter is `KubernetesClusterApi`; `InMemoryLeaseClient` models the API server's
 * optimistic concurrency for tests and `--fake-cloud`.
 *
 * Methods may throw `AllocatorError` of kind `Transient`, `Throttled` or `Unauthorized`.
 */
export interface LeaseClient {
  /** The lease, or null when it does not exist. */
  getLease(namespace: string, name: string): Promise<LeaseRecord | null>;

  /** Creates the lease. Throws `AllocatorError` `Conflict` when it already exists. */
  createLease(namespace: string, name: string, spec: LeaseSpec): Promise<LeaseRecord>;

  /**
   * Replaces the lease's spec if its resourceVersion is still `resourceVersion`. Throws
   * `AllocatorError` `Conflict` when someone else wrote it first (HTTP 409), `NotFound` when it
   * was deleted.
   */
  updateLease(
    namespace: string,
    name: string,
    spec: LeaseSpec,
    resourceVersion: string,
  ): Promise<LeaseRecord>;
}
