import type { AllocatorError } from '../errors/AllocatorError.js';
import type { Ec2ApiName } from './RateLimit.js';

/** A pod as events name it. */
export interface PodRef {
  readonly namespace: string;
  readonly name: string;
  readonly uid: string;
}

/** What happened to a branch interface of a pod. */
export interface BranchEventDetail {
  readonly pod: PodRef;
  readonly node: string;
  readonly eniId: string;
  readonly vlanId: number;
  readonly groupIds: readonly string[];
}

/**
 * The typed events of `BranchController` (a `typed-emitter` map), for embedding programs and the
 * simulator. Listeners run synchronously inside the controller: keep them short and do not throw.
 */
// A type alias, not an interface: typed-emitter needs the implicit index signature.
export type BranchControllerEvents = {
  /** A node's trunk is attached and its capacity advertised. */
  trunkReady: (detail: { node: string; trunkInterfaceId: string; capacity: number }) => void;
  /** Preparing a node's trunk failed (after rollback); it is retried with backoff. */
  trunkFailed: (detail: { node: string; error: AllocatorError; willRetry: boolean }) => void;
  /** A labelled node cannot take a trunk (unknown or incompatible type, no instance id). */
  nodeUnsupported: (detail: { node: string; instanceType: string | null; reason: string }) => void;
  /** A pod got a branch interface and its annotation (`reused` when no EC2 call was needed). */
  allocated: (detail: BranchEventDetail & { reused: boolean }) => void;
  /** A pod got a held interface of its group set without any create or associate call. */
  reused: (detail: BranchEventDetail) => void;
  /** An interface created for a live pod but never annotated was given to it at recovery. */
  adopted: (detail: BranchEventDetail) => void;
  /** A pod's interface was released (pod deleted or finished) and starts its cooldown. */
  released: (detail: BranchEventDetail) => void;
  /**
   * The node agent confirmed that a cooling interface's pod no longer uses it (the pod's VLAN
   * device is gone): its cooldown ends at once.
   */
  releaseConfirmed: (detail: {
    node: string;
    eniId: string;
    vlanId: number;
    podUid: string;
  }) => void;
  /** A cooled-down interface is held for reuse on its node. */
  held: (detail: {
    node: string;
    eniId: string;
    vlanId: number;
    groupIds: readonly string[];
  }) => void;
  /**
   * A held interface left `from` (disassociated from its trunk) for a pod waiting on `to`,
   * where it is associated under a VLAN id of that trunk: no create there, no delete here.
   */
  moved: (detail: { from: string; to: string; eniId: string; pod: PodRef }) => void;
  /** An interface was deleted. */
  deleted: (detail: { node: string | null; eniId: string; reason: DeletionReason }) => void;
  /** A pod's interface got new security groups after a policy or service account change. */
  groupsUpdated: (detail: BranchEventDetail & { previousGroupIds: readonly string[] }) => void;
  /** Allocating a pod's interface failed; `willRetry` false means it gave up until the pod changes. */
  allocationFailed: (detail: {
    pod: PodRef;
    node: string;
    error: AllocatorError;
    willRetry: boolean;
  }) => void;
  /** EC2 throttled a call; it is retried after `delayMs`. */
  throttled: (detail: { api: Ec2ApiName; attempt: number; delayMs: number }) => void;
  /** A garbage-collection sweep finished. */
  swept: (detail: { deleted: number; adopted: number }) => void;
  /** Something went wrong that needs no action from the caller (logged for operators). */
  warning: (detail: { message: string; error?: unknown }) => void;
};

/** Why an interface was deleted. */
export type DeletionReason =
  'recycled' | 'capacity' | 'cooldown' | 'orphan' | 'garbage' | 'node-gone' | 'rollback';
