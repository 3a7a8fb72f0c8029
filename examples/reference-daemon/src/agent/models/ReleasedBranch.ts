/**
 * The node annotation by which a node agent confirms that branches are no longer wired on its
 * node (README, "Confirmed release"): a JSON array of {@link ReleasedBranch}, newest last.
 */
export const RELEASED_BRANCHES_ANNOTATION = 'podsg.io/released-branches';

/** One confirmed release: the pod's VLAN device is gone from the node. */
export interface ReleasedBranch {
  readonly eniId: string;
  readonly vlanId: number;
  /** The UID of the pod that held it (the controller matches the release to that pod only). */
  readonly podUid: string;
  /** RFC 3339 wall time of the confirmation (for operators; the controller does not compare clocks). */
  readonly releasedAt: string;
}
