/**
 * A `coordination.k8s.io/v1` Lease as the leader election reads it. Times are RFC 3339 MicroTime
 * strings (`2026-12-01T02:00:00.000000Z`), null when unset.
 */
export interface LeaseRecord {
  readonly holderIdentity: string | null;
  readonly leaseDurationSeconds: number;
  readonly acquireTime: string | null;
  readonly renewTime: string | null;
  readonly leaseTransitions: number;
  /** The object's resourceVersion: the precondition of the next update. */
  readonly resourceVersion: string;
}

/** The spec of a Lease the election writes. */
export type LeaseSpec = Omit<LeaseRecord, 'resourceVersion'>;
