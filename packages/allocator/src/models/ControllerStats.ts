import type { Ec2ApiName } from './RateLimit.js';

/** Counters of `BranchController.stats()`. */
export interface ControllerStats {
  /** EC2 requests sent, per API (every attempt counts, throttled or not). */
  readonly calls: Readonly<Partial<Record<Ec2ApiName, number>>>;
  /** Requests sent to mutating APIs, excluding background tag rewrites. */
  readonly mutatingCalls: number;
  /** Background CreateTags requests (pod-uid tag rewrites after reuse), counted apart. */
  readonly tagCalls: number;
  /** Requests EC2 answered with Throttled, per API. */
  readonly throttledByApi: Readonly<Partial<Record<Ec2ApiName, number>>>;
  /** All throttled requests. */
  readonly throttled: number;
  /** Retries after Throttled or Transient. */
  readonly retries: number;
  /** Branches allocated by create + associate. */
  readonly created: number;
  /** Branches given to a pod from the held pool, with no EC2 call. */
  readonly reused: number;
  /** Held branches moved to another node's trunk for a pod waiting there. */
  readonly moved: number;
  /** Branches adopted at recovery. */
  readonly adopted: number;
  /** Branches deleted. */
  readonly deleted: number;
  /** Allocation failures (each requeue counts). */
  readonly allocationFailures: number;
  /** Cooldowns ended early by the node agent's confirmation that the pod's VLAN is gone. */
  readonly releasesConfirmed: number;
  /** Cooldowns that ran their whole length (no confirmation came). */
  readonly cooldownsExpired: number;
}
