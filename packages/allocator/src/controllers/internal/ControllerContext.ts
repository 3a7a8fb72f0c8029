import { EventEmitter, setMaxListeners } from 'node:events';
import type TE from 'typed-emitter';
import { backoffDelay } from '../../calculations/backoffDelay.js';
import { resolveControllerOptions } from '../../calculations/resolveControllerOptions.js';
import { AllocatorError } from '../../errors/AllocatorError.js';
import type { BranchControllerEvents } from '../../models/BranchControllerEvents.js';
import type {
  BranchControllerOptions,
  ResolvedBranchControllerOptions,
} from '../../models/BranchControllerOptions.js';
import type { ControllerStats } from '../../models/ControllerStats.js';
import type { Clock } from '../../ports/Clock.js';
import type { ClusterApi } from '../../ports/ClusterApi.js';
import type { NetworkInterfaceApi } from '../../ports/NetworkInterfaceApi.js';
import { WorkerPool } from '../../services/WorkerPool.js';
import type { TaskPriority } from '../../services/WorkerPool.js';
import { ControllerTimer } from './ControllerTimer.js';
import type { ControllerDeadline } from './ControllerTimer.js';
import { Ec2Caller, checkpoint, retrying, sleep } from './Ec2Caller.js';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
type Counters = Mutable<
  Omit<
    ControllerStats,
    'calls' | 'throttledByApi' | 'mutatingCalls' | 'tagCalls' | 'throttled' | 'retries'
  >
>;

/** What the façade answers for the context: where deadlines go and whether all work is done. */
export interface ControllerHooks {
  /** Handles a deadline that is due. */
  readonly fire: (deadline: ControllerDeadline) => void;
  /** Whether no work is running or queued (see `BranchController.idle()`). */
  readonly isIdle: () => boolean;
}

/**
 * What every part of the branch controller shares: the options, the one stop signal, the EC2
 * caller (`Ec2Caller`: limited, retried, counted) and retried cluster calls, the worker pool and
 * the timer, events, and the idle notification. The records live in `ControllerRecords`.
 */
export class ControllerContext {
  /** Typed events for embedding programs (see `BranchControllerEvents`). */
  readonly events: TE.default<BranchControllerEvents> =
    new EventEmitter() as TE.default<BranchControllerEvents>;
  readonly options: ResolvedBranchControllerOptions;
  /** Every EC2 call: limited, retried, counted. */
  readonly ec2: Ec2Caller;
  readonly cluster: ClusterApi;
  readonly clock: Clock;
  readonly #abort = new AbortController();
  /** Aborted by `stop()`; every wait of every task listens on it. */
  readonly signal: AbortSignal = this.#abort.signal;
  readonly pool: WorkerPool;
  readonly timer: ControllerTimer;
  /** Whether `start()` is rebuilding the records (nodes are neither prepared nor served). */
  rebuilding = false;
  /** Outcome counters of `stats()`. */
  readonly counters: Counters = {
    created: 0,
    reused: 0,
    moved: 0,
    adopted: 0,
    deleted: 0,
    allocationFailures: 0,
    releasesConfirmed: 0,
    cooldownsExpired: 0,
  };

  readonly #isIdle: () => boolean;
  #pendingSideCalls = 0;
  #idleWaiters: (() => void)[] = [];

  /**
   * @throws AllocatorError of kind `Invalid` naming the bad option (e.g. `cooldownSeconds` < 30)
   */
  constructor(
    dependencies: {
      readonly networkInterfaces: NetworkInterfaceApi;
      readonly cluster: ClusterApi;
      readonly clock: Clock;
      readonly options: BranchControllerOptions;
    },
    hooks: ControllerHooks,
  ) {
    this.options = resolveControllerOptions(dependencies.options);
    // Every wait of every task listens on the one stop signal.
    setMaxListeners(0, this.signal);
    this.cluster = dependencies.cluster;
    this.clock = dependencies.clock;
    this.ec2 = new Ec2Caller(dependencies.networkInterfaces, this, this.events);
    this.#isIdle = hooks.isIdle;
    this.pool = new WorkerPool(
      this.options.workers,
      (error: unknown) => {
        this.#reportTaskError(error);
      },
      () => {
        this.notifyIdle();
      },
    );
    this.timer = new ControllerTimer(this.clock, this.signal, hooks.fire);
  }

  /** Aborts the stop signal (once). */
  abort(): void {
    this.#abort.abort(new AllocatorError('Aborted', 'the branch controller stopped'));
  }

  /** Counters: EC2 calls per API, mutating calls, background tag calls, throttles, outcomes. */
  stats(): ControllerStats {
    const ec2 = this.ec2.counts;
    return {
      mutatingCalls: ec2.mutatingCalls,
      tagCalls: ec2.tagCalls,
      throttled: ec2.throttled,
      retries: ec2.retries,
      ...this.counters,
      calls: { ...ec2.calls },
      throttledByApi: { ...ec2.throttledByApi },
    };
  }

  /** Whether an event is still being recorded. */
  get pendingSideCalls(): number {
    return this.#pendingSideCalls;
  }

  // ───────────────────────────── tasks, calls, timers ─────────────────────────────

  /** Queues a task in the worker pool (nothing after `stop()`). */
  submit(priority: TaskPriority, task: () => Promise<void>): void {
    if (this.signal.aborted) return;
    this.pool.submit(priority, task);
  }

  /** Adds a deadline (nothing after `stop()`). */
  schedule(at: number, deadline: ControllerDeadline): void {
    this.timer.schedule(at, deadline);
  }

  /** A cluster call, retried like EC2 calls but without client-side limiting. */
  clusterCall<T>(send: () => Promise<T>): Promise<T> {
    return retrying(this, send, () => undefined);
  }

  /** Sleeps on the clock; throws `Aborted` when stopped meanwhile. */
  sleep(ms: number): Promise<void> {
    return sleep(this, ms);
  }

  /** Throws `Aborted` once stopped: results that arrive after `stop()` are ignored. */
  checkpoint(): void {
    checkpoint(this.signal);
  }

  /** The delay before the `requeue`-th retry of a failed allocation, preparation or delete. */
  requeueDelay(requeue: number): number {
    return backoffDelay(requeue, this.options.requeueBackoff, this.options.random);
  }

  // ───────────────────────────── events ─────────────────────────────

  /** Records a Kubernetes event in the background (counted as pending work until done). */
  event(
    involvedObject: Parameters<ClusterApi['recordEvent']>[0]['involvedObject'],
    type: 'Normal' | 'Warning',
    reason: string,
    message: string,
  ): void {
    if (this.signal.aborted) return;
    this.#pendingSideCalls += 1;
    this.cluster
      .recordEvent({ involvedObject, type, reason, message })
      .catch((error: unknown) => {
        this.warn(`could not record event ${reason}`, error);
      })
      .finally(() => {
        this.#pendingSideCalls -= 1;
        this.notifyIdle();
      });
  }

  /** Emits a `warning` event. */
  warn(message: string, error?: unknown): void {
    this.events.emit('warning', error === undefined ? { message } : { message, error });
  }

  #reportTaskError(error: unknown): void {
    if (this.signal.aborted || AllocatorError.is(error, 'Aborted')) return;
    this.warn('a background task failed', error);
  }

  /** Resolves the next time the controller is idle (at once when it is, or after a stop). */
  whenIdle(): Promise<void> {
    if (this.#isIdle() || this.signal.aborted) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  /** Wakes `whenIdle()` callers when the controller is idle or stopped. */
  notifyIdle(): void {
    if (this.#idleWaiters.length === 0) return;
    if (!this.#isIdle() && !this.signal.aborted) return;
    const waiters = this.#idleWaiters;
    this.#idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}
