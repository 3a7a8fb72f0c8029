/** What one ready node of the waiting pod's subnet has of the pod's group set. */
export interface BranchSourceCandidate {
  /** The node's name. */
  readonly node: string;
  /** Held branches: cooled down, associated, and wanted by no pod waiting on that node. */
  readonly held: number;
  /** Branches on their way to held: cooling, or in use by a terminating pod. */
  readonly releasing: number;
  /** Branches in use by running pods (a rollout may replace them with pods of the same groups). */
  readonly inUse: number;
}

/** The question `planBranchSource` answers for a pod that found no held branch on its node. */
export interface BranchSourceRequest {
  /** The pod's node. */
  readonly node: string;
  /** The ready nodes of the pod's subnet with a trunk, the pod's own included. */
  readonly candidates: readonly BranchSourceCandidate[];
  /** Whether a branch may move from another node (`moveBranches`). */
  readonly moves: boolean;
  /** Clock ms now. */
  readonly now: number;
  /** Clock ms since which the pod waits for a branch. */
  readonly waitingSince: number;
  /** How long a pod may wait for a release before it creates (`releaseWaitSeconds`). */
  readonly releaseWaitMs: number;
  /** Whether a release of the group set was under way in scope since the pod started waiting. */
  readonly releaseSeen: boolean;
}

/**
 * How long a pod waits for a release when none is under way yet but branches of its group set
 * are in use: a Deployment's rolling update creates its surge pods before it deletes old ones.
 */
export const RELEASE_WAIT_GRACE_MS = 1_000;

/**
 * Where a pod's branch comes from: moved from another node, waited for, or created.
 * - `move`: from the node with the most held branches of the group set (the largest surplus);
 * - `wait`: once branches of the group set were being released on the pod's node or (with
 *   moves) its subnet, until `releaseWaitMs` after the pod started waiting (a rollout releases
 *   in waves); while they are only in use there, `RELEASE_WAIT_GRACE_MS` at most;
 * - `create`: a new interface.
 */
export type BranchSource =
  | { readonly kind: 'move'; readonly from: string }
  | { readonly kind: 'wait'; readonly until: number; readonly releaseUnderWay: boolean }
  | { readonly kind: 'create' };

/**
 * Chooses where a pod's branch comes from once no held branch of its group set is on its node:
 * a move of a held one from another node of the subnet (2 calls, and no surplus to delete
 * later), else a bounded wait for one being released, else a new interface.
 */
export function planBranchSource(request: BranchSourceRequest): BranchSource {
  let from: BranchSourceCandidate | null = null;
  if (request.moves) {
    for (const candidate of request.candidates) {
      if (candidate.node === request.node || candidate.held === 0) continue;
      if (from === null || candidate.held > from.held) from = candidate;
    }
  }
  if (from !== null) return { kind: 'move', from: from.node };
  const until = request.waitingSince + request.releaseWaitMs;
  if (request.releaseWaitMs === 0 || request.now >= until) return { kind: 'create' };
  let releasing = 0;
  let inUse = 0;
  for (const candidate of request.candidates) {
    if (!request.moves && candidate.node !== request.node) continue;
    releasing += candidate.releasing;
    inUse += candidate.inUse;
  }
  const releaseUnderWay = releasing > 0;
  if (releaseUnderWay || request.releaseSeen) return { kind: 'wait', until, releaseUnderWay };
  const grace = request.waitingSince + Math.min(RELEASE_WAIT_GRACE_MS, request.releaseWaitMs);
  if (inUse > 0 && request.now < grace) return { kind: 'wait', until: grace, releaseUnderWay };
  return { kind: 'create' };
}
