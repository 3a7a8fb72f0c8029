/**
 * One confirmed release published by a node agent in its Node's
 * `podsg.io/released-branches` annotation: the pod's VLAN device `vlan.eth.<vlanId>` is gone
 * from the node, so the branch carries none of the pod's traffic any more.
 */
export interface ReleasedBranch {
  readonly eniId: string;
  readonly vlanId: number;
  /** The UID of the pod that held the branch; the controller matches the release to it only. */
  readonly podUid: string;
  /** RFC 3339 wall time of the confirmation, for operators; the controller compares no clocks. */
  readonly releasedAt: string;
}

/** What `parseReleasedBranches` found: the valid entries, and one warning per entry left out. */
export interface ReleasedBranchesParse {
  /** The valid entries, oldest first (at most `MAX_RELEASED_BRANCHES`, the newest kept). */
  readonly releasedBranches: readonly ReleasedBranch[];
  /** Each names the annotation, the entry and the field, e.g. `…[2].vlanId: …`. */
  readonly warnings: readonly string[];
}
