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
import type { Subnet } from '../../models/NetworkInterface.js';
import type { CallPriority, Ec2ApiName } from '../../models/RateLimit.js';
import { MUTATING_EC2_APIS } from '../../models/RateLimit.js';
import { clusterTagKey } from '../../models/wellKnownNames.js';
import type { Clock } from '../../ports/Clock.js';
import type { ClusterApi } from '../../ports/ClusterApi.js';
import type { NetworkInterfaceApi } from '../../ports/NetworkInterfaceApi.js';
import { RequestLimiter } from '../../services/RequestLimiter.js';
import { WorkerPool } from '../../services/WorkerPool.js';
import type { TaskPriority } from '../../services/WorkerPool.js';
import { ControllerTimer } from './ControllerTimer.js';
import type { ControllerDeadline } from './ControllerTimer.js';
import { asAllocatorError } from './failures.js';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
type Counters = Mutable<Omit<ControllerStats, 'calls' | 'throttledByApi'>>;

/** What the façade answers for the context: where deadlines go and whether all work is done. */
export interface ControllerHooks {
  /** Handles a deadline that is due. */
  readonly fire: (deadline: ControllerDeadline) => void;
  /** Whether no work is running or queued (see `BranchController.idle()`). */
  readonly isIdle: () => boolean;
}

/**
 * What every part of the branch controller shares: the ports and options, the one stop
 * signal, the worker pool, EC2 and cluster calls (limited, retried, counted), the timer,
 * events, and the idle notification. The records live in `ControllerRecords`.
 */
export class ControllerContext {
  /** Typed events for embedding programs (see `BranchControllerEvents`). */
  readonly events: TE.default<BranchControllerEvents> =
    new EventEmitter() as TE.default<BranchControllerEvents>;
  readonly options: ResolvedBranchControllerOptions;
  readonly ec2: NetworkInterfaceApi;
  readonly cluster: ClusterApi;
  readonly clock: Clock;
  /** The tag key marking this cluster's interfaces (`kubernetes.io/cluster/<name>`). */
  readonly clusterTag: string;
  readonly #abort = new AbortController();
  /** Aborted by `stop()`; every wait of every task listens on it. */
  readonly signal: AbortSignal = this.#abort.signal;
  readonly pool: WorkerPool;
  readonly timer: ControllerTimer;
  /** Whether `start()` is rebuilding the records (nodes are neither prepared nor served). */
  rebuilding = false;
  /** Outcome counters of `stats()`. */
  readonly counters: Counters = {
    mutatingCalls: 0,
    tagCalls: 0,
    throttled: 0,
    retries: 0,
    created: 0,
    reused: 0,
    adopted: 0,
    deleted: 0,
    allocationFailures: 0,
  };

  readonly #limiter: RequestLimiter;
  readonly #isIdle: () => boolean;
  readonly #subnets = new Map<string, Promise<Subnet>>();
  readonly #calls: Partial<Record<Ec2ApiName, number>> = {};
  readonly #throttledByApi: Partial<Record<Ec2ApiName, number>> = {};
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
    this.ec2 = dependencies.networkInterfaces;
    this.cluster = dependencies.cluster;
    this.clock = dependencies.clock;
    this.clusterTag = clusterTagKey(this.options.clusterName);
    this.#isIdle = hooks.isIdle;
    this.#limiter = new RequestLimiter(this.clock, this.options.rateLimits, this.signal);
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
    return {
      ...this.counters,
      calls: { ...this.#calls },
      throttledByApi: { ...this.#throttledByApi },
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

  /** One EC2 call through the limiter, retried with jittered backoff on Throttled/Transient. */
  call<T>(api: Ec2ApiName, priority: CallPriority, send: () => Promise<T>): Promise<T> {
    return this.#retrying(
      async () => {
        await this.#limiter.acquire(api, priority);
        this.#count(api);
        return send();
      },
      (failure, attempt, retryInMs) => {
        const throttled = AllocatorError.is(failure, 'Throttled');
        if (throttled) {
          this.counters.throttled += 1;
          this.#throttledByApi[api] = (this.#throttledByApi[api] ?? 0) + 1;
          this.#limiter.onThrottled(api);
        }
        if (retryInMs === null) return;
        this.counters.retries += 1;
        if (throttled) this.events.emit('throttled', { api, attempt, delayMs: retryInMs });
      },
    );
  }

  /** A cluster call, retried like EC2 calls but without client-side limiting. */
  clusterCall<T>(send: () => Promise<T>): Promise<T> {
    return this.#retrying(send, () => undefined);
  }

  /**
   * Runs `send` until it succeeds, fails with an error that is not worth retrying, or has had
   * `callAttempts` attempts. `onFailure` sees each failure and the backoff before the next
   * attempt (null when there is none).
   */
  async #retrying<T>(
    send: () => Promise<T>,
    onFailure: (failure: AllocatorError, attempt: number, retryInMs: number | null) => void,
  ): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        const result = await send();
        this.checkpoint();
        return result;
      } catch (error) {
        this.checkpoint();
        const failure = asAllocatorError(error);
        const retryInMs =
          AllocatorError.isRetryable(failure) && attempt < this.options.callAttempts
            ? backoffDelay(attempt, this.options.callBackoff, this.options.random)
            : null;
        onFailure(failure, attempt, retryInMs);
        if (retryInMs === null) throw failure;
        await this.sleep(retryInMs);
      }
    }
  }

  #count(api: Ec2ApiName): void {
    this.#calls[api] = (this.#calls[api] ?? 0) + 1;
    if (api === 'CreateTags') this.counters.tagCalls += 1;
    else if (MUTATING_EC2_APIS.has(api)) this.counters.mutatingCalls += 1;
  }

  /** The subnet, described once (a failed describe is forgotten, to be retried). */
  subnet(subnetId: string): Promise<Subnet> {
    let subnet = this.#subnets.get(subnetId);
    if (subnet === undefined) {
      subnet = this.call('DescribeSubnets', 'critical', () => this.ec2.describeSubnet(subnetId));
      this.#subnets.set(subnetId, subnet);
      subnet.catch(() => this.#subnets.delete(subnetId));
    }
    return subnet;
  }

  /** Sleeps on the clock; throws `Aborted` when stopped meanwhile. */
  async sleep(ms: number): Promise<void> {
    await this.clock.sleep(ms, this.signal);
    this.checkpoint();
  }

  /** Throws `Aborted` once stopped: results that arrive after `stop()` are ignored. */
  checkpoint(): void {
    if (this.signal.aborted) throw new AllocatorError('Aborted', 'the branch controller stopped');
  }

  /** The filter of this cluster's interfaces (in the configured VPC). */
  ownedFilter(): { tags: Record<string, string>; vpcId?: string } {
    const filter: { tags: Record<string, string>; vpcId?: string } = {
      tags: { [this.clusterTag]: 'owned' },
    };
    if (this.options.vpcId !== undefined) filter.vpcId = this.options.vpcId;
    return filter;
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
