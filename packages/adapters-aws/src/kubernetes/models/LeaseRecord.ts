/**
 * A `coordination.k8s.io/v1` Lease as leader election reads and writes it. Times are RFC 3339
 * MicroTime strings (`2026-12-01T02:00:00.000000Z`).
 */
export interface LeaseSpec {
  holderIdentity: string | null;
  leaseDurationSeconds: number;
  acquireTime: string | null;
  renewTime: string | null;
  leaseTransitions: number;
}

/** A Lease read from the API server, with the resourceVersion an update must name. */
export interface LeaseRecord extends LeaseSpec {
  resourceVersion: string;
}
