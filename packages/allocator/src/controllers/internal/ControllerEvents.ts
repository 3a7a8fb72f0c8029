import { EventEmitter } from 'node:events';
import type TE from 'typed-emitter';
import type { BranchControllerEvents } from '../../models/BranchControllerEvents.js';
import type { ControllerStats } from '../../models/ControllerStats.js';
import type { ClusterApi } from '../../ports/ClusterApi.js';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** The outcome counters of `ControllerStats` (the EC2 ones are `Ec2Caller`'s). */
export type OutcomeCounters = Mutable<
  Omit<
    ControllerStats,
    'calls' | 'throttledByApi' | 'mutatingCalls' | 'tagCalls' | 'throttled' | 'retries'
  >
>;

/**
 * What the controller tells the world: typed events for embedding programs, Kubernetes events
 * (recorded in the background, counted as pending work until done), warnings, and the outcome
 * counters of `stats()`.
 */
export class ControllerEvents {
  /** Typed events for embedding programs (see `BranchControllerEvents`). */
  readonly emitter: TE.default<BranchControllerEvents> =
    new EventEmitter() as TE.default<BranchControllerEvents>;
  /** Outcome counters of `stats()`. */
  readonly counters: OutcomeCounters = {
    created: 0,
    reused: 0,
    moved: 0,
    adopted: 0,
    deleted: 0,
    allocationFailures: 0,
    releasesConfirmed: 0,
    cooldownsExpired: 0,
  };
  readonly #cluster: ClusterApi;
  readonly #signal: AbortSignal;
  readonly #settled: () => void;
  #pending = 0;

  /** @param settled - called when a Kubernetes event's recording ends (for `whenIdle()`) */
  constructor(cluster: ClusterApi, signal: AbortSignal, settled: () => void) {
    this.#cluster = cluster;
    this.#signal = signal;
    this.#settled = settled;
  }

  /** Kubernetes events still being recorded. */
  get pending(): number {
    return this.#pending;
  }

  /** Emits a typed event. */
  emit<E extends keyof BranchControllerEvents>(
    event: E,
    ...detail: Parameters<BranchControllerEvents[E]>
  ): void {
    this.emitter.emit(event, ...detail);
  }

  /** Records a Kubernetes event in the background (nothing after `stop()`). */
  record(
    involvedObject: Parameters<ClusterApi['recordEvent']>[0]['involvedObject'],
    type: 'Normal' | 'Warning',
    reason: string,
    message: string,
  ): void {
    if (this.#signal.aborted) return;
    this.#pending += 1;
    this.#cluster
      .recordEvent({ involvedObject, type, reason, message })
      .catch((error: unknown) => {
        this.warn(`could not record event ${reason}`, error);
      })
      .finally(() => {
        this.#pending -= 1;
        this.#settled();
      });
  }

  /** Emits a `warning` event. */
  warn(message: string, error?: unknown): void {
    this.emitter.emit('warning', error === undefined ? { message } : { message, error });
  }
}
