import { AllocatorError } from '../../errors/AllocatorError.js';
import type { PodRef } from '../../models/BranchControllerEvents.js';
import type { BranchRecord } from './BranchRecord.js';
import type { NodeBranches } from './NodeBranches.js';

/**
 * Where a pod is in the controller: `waiting` in its node's queue; `allocating` while its
 * reconcile creates, associates and annotates; `allocated` with an in-use branch; `failed` after
 * the work queue gave up (until the pod changes); `released` once deleted or finished.
 */
export type PodStatus = 'idle' | 'waiting' | 'allocating' | 'allocated' | 'failed' | 'released';

/**
 * The moves `PodRecord.moveTo` allows, from → to. `idle` goes straight to `allocated` or
 * `allocating` only at recovery (annotated, or adopting a branch made for it); `waiting` goes
 * back to `idle` when its node is removed; a failed pod retries once it changes; releasing a
 * released pod is a no-op (a delete can race with a pod found gone).
 */
export const POD_TRANSITIONS: Readonly<Record<PodStatus, readonly PodStatus[]>> = {
  idle: ['waiting', 'allocating', 'allocated', 'released'],
  waiting: ['allocating', 'idle', 'released'],
  allocating: ['allocated', 'failed', 'released'],
  allocated: ['released'],
  failed: ['idle', 'released'],
  released: ['released'],
};

/**
 * The controller's compact record of a pod that needs (or has) a branch interface, and the key
 * of its work queue. Kept small on purpose (a restart rebuilds one per annotated pod): no
 * closures, interned labels; attempts and backoff live in the work queue, not here.
 */
export class PodRecord {
  readonly status: PodStatus = 'idle';
  node: NodeBranches | null = null;
  branch: BranchRecord | null = null;
  /** The generation in the create client token; bumped only after we deleted its interface. */
  generation = 0;
  /** FIFO order of scheduling as observed. */
  seq = 0;
  /** Whether the pod is terminating (its interface will cool down soon). */
  terminating = false;

  constructor(
    readonly uid: string,
    readonly namespace: string,
    readonly name: string,
    public labels: Readonly<Record<string, string>>,
    public serviceAccountName: string,
  ) {}

  /**
   * Moves the pod to another status; the only way its status changes.
   *
   * @throws AllocatorError `Invalid` for a move `POD_TRANSITIONS` does not allow
   */
  moveTo(to: PodStatus): void {
    if (!POD_TRANSITIONS[this.status].includes(to)) {
      throw new AllocatorError(
        'Invalid',
        `pod ${this.namespace}/${this.name} cannot go ${this.status} → ${to}`,
      );
    }
    (this as { status: PodStatus }).status = to;
  }

  /** Whether the pod was released; a method so TypeScript does not narrow across awaits. */
  isReleased(): boolean {
    return this.status === 'released';
  }

  /** The pod as an event's involved object. */
  ref(): PodRef & { kind: 'Pod' } {
    return { kind: 'Pod', namespace: this.namespace, name: this.name, uid: this.uid };
  }
}
