/**
 * Where the node agent publishes confirmed releases (README, "Confirmed release"): the node's
 * annotation `podsg.io/released-branches`. The production adapter is a JSON merge patch on the
 * Node's `metadata.annotations` (RBAC: `patch nodes`). Idempotent; may throw `AllocatorError`
 * `Transient`, `Throttled`, `Unauthorized` or `NotFound`.
 */
export interface ReleaseConfirmationApi {
  /** Sets (string) or removes (null) annotations of a node. */
  annotateNode(
    nodeName: string,
    annotations: Readonly<Record<string, string | null>>,
  ): Promise<void>;
}
