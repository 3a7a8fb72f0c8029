import type { BackoffPolicy } from '../calculations/backoffDelay.js';
import type { RateLimits } from './RateLimit.js';

/**
 * `podsg`: everything (reuse of cooled-down interfaces, per-API buckets, priorities).
 * `baseline`: presets reproducing EKS's resource controller for side-by-side comparison: per pod
 * one create + associate, after a 60 s cooldown disassociate + delete, no reuse, 30 workers,
 * one shared client limiter of 12 requests/s (burst 18), 3 attempts per call then 5 requeues.
 */
export type BranchStrategy = 'podsg' | 'baseline';

/** Options of `BranchController`; everything but `clusterName` has a default. */
export interface BranchControllerOptions {
  /** The cluster name of the `kubernetes.io/cluster/<name>=owned` tag. */
  readonly clusterName: string;
  /** Restricts EC2 listings to this VPC. */
  readonly vpcId?: string;
  /** Presets; explicit options below override them. Default `podsg`. */
  readonly strategy?: BranchStrategy;
  /** How long a released interface drains before reuse or deletion; default 60, minimum 30. */
  readonly cooldownSeconds?: number;
  /** How long a held interface waits for a pod with its groups before deletion; default 300. */
  readonly recycleSeconds?: number;
  /** How many allocations, deletions and modifications run at once; default 64 (baseline 30). */
  readonly workers?: number;
  /** Client-side EC2 rate limits; default one bucket per API as EC2's (baseline: shared 12/s burst 18). */
  readonly rateLimits?: RateLimits;
  /** Attempts per EC2 call on Throttled/Transient before the step fails; default 5 (baseline 3). */
  readonly callAttempts?: number;
  /** Times a failed allocation is requeued before `BranchAllocationFailed`; default 5. */
  readonly requeues?: number;
  /** Backoff between attempts of one call; default 200 ms doubling to 10 s, equal jitter. */
  readonly callBackoff?: BackoffPolicy;
  /** Backoff between requeues; default 2 s doubling to 60 s. */
  readonly requeueBackoff?: BackoffPolicy;
  /** Random source in [0, 1) for jitter; seed it in simulations. Default `Math.random`. */
  readonly random?: () => number;
  /** Interval of the garbage-collection sweep; default 300; 0 turns it off. */
  readonly gcIntervalSeconds?: number;
  /** How long to wait for a trunk attachment to become `attached`; default 60. */
  readonly trunkAttachTimeoutSeconds?: number;
  /**
   * A pod whose node has a cooling interface of its group set that finishes its cooldown within
   * this many seconds waits for it instead of creating one, even when capacity is free: fewer
   * EC2 calls in rollouts (pods replaced by pods of the same groups) at the price of latency.
   * Default 0 (never wait while capacity is free); ignored by the baseline.
   */
  readonly reuseWaitSeconds?: number;
  /** Whether reuse rewrites the `podsg.io/pod-uid` tag in a background lane; default true. */
  readonly retagOnReuse?: boolean;
  /**
   * Whether a pod that needs a new branch takes a held one of its group set from another node
   * of its subnet by moving it (DisassociateTrunkInterface there, AssociateTrunkInterface here:
   * 2 calls) instead of creating one while the other is deleted later (4 calls). Default true;
   * off under the baseline.
   */
  readonly moveBranches?: boolean;
  /**
   * A pod that would create a branch first waits up to this many seconds for one of its group
   * set to be released on its node, or (with `moveBranches`) on another node of its subnet,
   * whenever branches of that group set exist there: fewer EC2 calls in rollouts at the price
   * of that much latency at most. Default 0 (never wait); ignored by the baseline.
   */
  readonly releaseWaitSeconds?: number;
  /**
   * Branches created ahead of pods on each ready node, held for the group sets its pods got
   * branches for in the last `idleSeconds` (a node without any: the cluster's); created only
   * with EC2 tokens no pod waits for and while no pod waits on the node, never beyond the
   * node's capacity, and deleted after `idleSeconds` unused. Default none; ignored by the
   * baseline.
   */
  readonly warmPool?: WarmPoolOptions;
}

/** `BranchControllerOptions.warmPool`. */
export interface WarmPoolOptions {
  /** Held branches each node keeps ready; 1 … 1000. */
  readonly branchesPerNode: number;
  /** How long a warm branch waits for a pod, and how long demand is remembered; default 600. */
  readonly idleSeconds?: number;
}

/** Options with every default applied and validated. */
export interface ResolvedBranchControllerOptions {
  readonly clusterName: string;
  readonly vpcId: string | undefined;
  readonly strategy: BranchStrategy;
  readonly reuse: boolean;
  readonly cooldownMs: number;
  readonly recycleMs: number;
  readonly workers: number;
  readonly rateLimits: RateLimits;
  readonly callAttempts: number;
  readonly requeues: number;
  readonly callBackoff: BackoffPolicy;
  readonly requeueBackoff: BackoffPolicy;
  readonly random: () => number;
  readonly gcIntervalMs: number;
  readonly trunkAttachTimeoutMs: number;
  readonly retagOnReuse: boolean;
  readonly reuseWaitMs: number;
  readonly moveBranches: boolean;
  readonly releaseWaitMs: number;
  readonly warmPool: { readonly branchesPerNode: number; readonly idleMs: number } | null;
}
