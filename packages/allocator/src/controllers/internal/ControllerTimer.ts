import type { Clock } from '../../ports/Clock.js';
import { DeadlineQueue } from '../../services/DeadlineQueue.js';
import type { BranchRecord } from './BranchRecord.js';
import type { NodeBranches } from './NodeBranches.js';
import type { PodRecord } from './PodRecord.js';

/**
 * What a deadline of the controller is for: a branch's cooldown, hold or delete retry, a pod's
 * requeue, a node's preparation retry, or the next garbage-collection sweep.
 */
export type ControllerDeadline =
  | { readonly kind: 'branch'; readonly branch: BranchRecord }
  | { readonly kind: 'pod'; readonly pod: PodRecord }
  | { readonly kind: 'node'; readonly node: NodeBranches }
  | { readonly kind: 'gc' };

/**
 * The one timer of the controller: a queue of deadlines and a loop that sleeps on the clock
 * until the earliest one and hands what is due to `fire`, in deadline order. A pod, branch or
 * node has at most one pending deadline: scheduling another overtakes it, and `cancel` drops it.
 */
export class ControllerTimer {
  readonly #clock: Clock;
  readonly #signal: AbortSignal;
  readonly #fire: (deadline: ControllerDeadline) => void;
  readonly #deadlines = new DeadlineQueue<ControllerDeadline>();
  /** The one pending deadline of each record that has one (older ones in the queue are void). */
  readonly #pending = new Map<BranchRecord | PodRecord | NodeBranches, ControllerDeadline>();
  #running = false;
  #wake: (() => void) | null = null;
  #abort: AbortController | null = null;
  #sleepingUntil = Infinity;

  constructor(clock: Clock, signal: AbortSignal, fire: (deadline: ControllerDeadline) => void) {
    this.#clock = clock;
    this.#signal = signal;
    this.#fire = fire;
  }

  /** The clock time of the earliest pending deadline. */
  peekTime(): number | undefined {
    return this.#deadlines.peekTime();
  }

  /**
   * Adds a deadline (overtaking its record's pending one), waking the loop when it is earlier
   * than the one it sleeps until.
   */
  schedule(at: number, deadline: ControllerDeadline): void {
    const record = recordOf(deadline);
    if (record !== null) this.#pending.set(record, deadline);
    if (this.#signal.aborted) return;
    this.#deadlines.push(at, deadline);
    if (!this.#running) {
      void this.#loop();
    } else if (at < this.#sleepingUntil) {
      this.#abort?.abort();
      this.#wake?.();
    }
  }

  /** Drops the record's pending deadline; whether it had one. */
  cancel(record: BranchRecord | PodRecord | NodeBranches): boolean {
    return this.#pending.delete(record);
  }

  /** Drops every pending deadline. */
  clear(): void {
    this.#deadlines.clear();
    this.#pending.clear();
  }

  /** Wakes the loop (after a stop, so that it ends). */
  wake(): void {
    this.#abort?.abort();
    this.#wake?.();
  }

  async #loop(): Promise<void> {
    this.#running = true;
    try {
      while (!this.#signal.aborted) {
        const now = this.#clock.now();
        for (
          let due = this.#deadlines.popDue(now);
          due !== undefined;
          due = this.#deadlines.popDue(now)
        ) {
          const record = recordOf(due);
          if (record !== null) {
            if (this.#pending.get(record) !== due) continue;
            this.#pending.delete(record);
          }
          this.#fire(due);
        }
        const next = this.#deadlines.peekTime();
        if (next === undefined) {
          this.#sleepingUntil = Infinity;
          await new Promise<void>((resolve) => (this.#wake = resolve));
          this.#wake = null;
          continue;
        }
        this.#sleepingUntil = next;
        const wake = new AbortController();
        this.#abort = wake;
        try {
          await this.#clock.sleep(
            Math.max(0, next - now),
            AbortSignal.any([wake.signal, this.#signal]),
          );
        } catch {
          // Woken for an earlier deadline, or stopped.
        }
        this.#abort = null;
      }
    } finally {
      this.#running = false;
      this.#sleepingUntil = Infinity;
    }
  }
}

/** The record a deadline belongs to; null for the sweep. */
function recordOf(deadline: ControllerDeadline): BranchRecord | PodRecord | NodeBranches | null {
  switch (deadline.kind) {
    case 'branch':
      return deadline.branch;
    case 'pod':
      return deadline.pod;
    case 'node':
      return deadline.node;
    case 'gc':
      return null;
  }
}
