/**
 * What the Kubernetes API server said about a failed request, attached as `cause` to the
 * `AllocatorError` the adapter throws.
 */
export interface KubernetesFailure {
  /** The HTTP status; 0 when no response came (connection refused or reset, timeout). */
  httpStatus: number;
  /** The `Status` body's `reason` (`Conflict`, `NotFound`, `Expired` …), or a network error code. */
  reason: string;
  /** The `Status` body's `message`, or the network error's. */
  message: string;
  /** The `Retry-After` header (or `details.retryAfterSeconds`) in milliseconds; null when absent. */
  retryAfterMs: number | null;
  /** The fields named by `details.causes` (`metadata.uid` …). */
  causeFields: readonly string[];
}
