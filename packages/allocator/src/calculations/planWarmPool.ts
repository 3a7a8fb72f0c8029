/** What a node's warm pool looks like now. */
export interface WarmPoolState {
  /** Held branches the pool aims at on the node (`warmPool.branchesPerNode`). */
  readonly size: number;
  /** The group sets the node is expected to need, most wanted first (see `predictWarmGroupSets`). */
  readonly predicted: readonly string[];
  /** How many branches of each group set are held on the node. */
  readonly held: (groupKey: string) => number;
  /** Warm branches being created on the node now. */
  readonly creating: number;
  /** Slots of the node's capacity that no branch takes. */
  readonly freeSlots: number;
}

/**
 * The group set of the next warm branch to create on a node, or null when the pool is full (or
 * nothing is predicted, or the node has no free slot). The pool's size is shared out among the
 * predicted group sets, most wanted first (with 5 branches and 2 group sets: 3 and 2); a group
 * set already holding more than its share does not lend it to the others.
 */
export function planWarmPool(state: WarmPoolState): string | null {
  const keys = state.predicted.slice(0, Math.max(0, state.size));
  if (keys.length === 0 || state.freeSlots <= 0) return null;
  let warm = state.creating;
  for (const key of keys) warm += state.held(key);
  if (warm >= state.size) return null;
  const share = Math.floor(state.size / keys.length);
  const extra = state.size % keys.length;
  for (const [index, key] of keys.entries()) {
    if (state.held(key) < share + (index < extra ? 1 : 0)) return key;
  }
  return null;
}

/**
 * The group sets a node's warm pool is for: those its pods got branches for within the window,
 * most recent first; a node without any takes the cluster's (a node that just joined a busy
 * cluster gets warm for what the cluster runs).
 *
 * @param node - last allocation time of each group set on the node (clock ms)
 * @param cluster - last allocation time of each group set anywhere
 * @param since - allocations before this clock time are forgotten
 */
export function predictWarmGroupSets(
  node: ReadonlyMap<string, number>,
  cluster: ReadonlyMap<string, number>,
  since: number,
): string[] {
  const recent = (times: ReadonlyMap<string, number>): string[] =>
    [...times]
      .filter(([, at]) => at >= since)
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
      .map(([key]) => key);
  const own = recent(node);
  return own.length > 0 ? own : recent(cluster);
}
