import { AllocatorError } from '../errors/AllocatorError.js';
import type { Clock } from '../ports/Clock.js';
import type {
  CallPriority,
  Ec2ApiName,
  RateLimits,
  TokenBucketShape,
} from '../models/RateLimit.js';
import { MUTATING_EC2_APIS } from '../models/RateLimit.js';
import { TokenBucket } from './TokenBucket.js';

/** EC2's documented request buckets for mutating actions. */
export const DEFAULT_MUTATING_BUCKET: TokenBucketShape = Object.freeze({
  capacity: 50,
  refillPerSecond: 5,
});

/** EC2's documented request buckets for describe actions. */
export const DEFAULT_DESCRIBE_BUCKET: TokenBucketShape = Object.freeze({
  capacity: 100,
  refillPerSecond: 20,
});

const PRIORITY_RANK: Readonly<Record<CallPriority, number>> = {
  critical: 0,
  maintenance: 1,
  background: 2,
};

interface Waiter {
  readonly rank: number;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

/** A FIFO of waiters that does not shift arrays (O(1) dequeue). */
class WaiterQueue {
  #items: (Waiter | undefined)[] = [];
  #head = 0;

  get size(): number {
    return this.#items.length - this.#head;
  }

  push(waiter: Waiter): void {
    this.#items.push(waiter);
  }

  shift(): Waiter | undefined {
    if (this.#head >= this.#items.length) return undefined;
    const waiter = this.#items[this.#head];
    this.#items[this.#head++] = undefined;
    if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return waiter;
  }

  drainAll(): Waiter[] {
    const rest = this.#items.slice(this.#head).filter((w): w is Waiter => w !== undefined);
    this.#items = [];
    this.#head = 0;
    return rest;
  }
}

class BucketLane {
  /** One FIFO per priority rank (critical, maintenance, background). */
  readonly queues: readonly [WaiterQueue, WaiterQueue, WaiterQueue] = [
    new WaiterQueue(),
    new WaiterQueue(),
    new WaiterQueue(),
  ];
  pumping = false;

  constructor(readonly bucket: TokenBucket) {}

  waiting(): number {
    return this.queues[0].size + this.queues[1].size + this.queues[2].size;
  }

  /** Whether a waiter of `rank` or more urgent is queued. */
  hasWaiterAtOrAbove(rank: number): boolean {
    return this.queues.some((queue, r) => r <= rank && queue.size > 0);
  }

  queue(rank: number): WaiterQueue {
    return this.queues[rank === 0 ? 0 : rank === 1 ? 1 : 2];
  }
}

/**
 * Client-side rate limiting of EC2 calls with priorities: one token bucket per API (or one shared
 * bucket), and per bucket three FIFO lanes. A waiting critical call is always served before a
 * maintenance one; background calls only take a token when nothing else waits and the bucket
 * holds at least half its capacity, so they never delay a pod's call. Sleeping is done through
 * the `Clock`, one timer per bucket with waiters at most.
 */
export class RequestLimiter {
  readonly #clock: Clock;
  readonly #signal: AbortSignal;
  readonly #lanes = new Map<Ec2ApiName | 'shared', BucketLane>();
  readonly #shared: boolean;

  constructor(clock: Clock, limits: RateLimits, signal: AbortSignal) {
    this.#clock = clock;
    this.#signal = signal;
    const now = clock.now();
    this.#shared = limits.shared !== undefined;
    if (limits.shared !== undefined) {
      this.#lanes.set('shared', new BucketLane(new TokenBucket(limits.shared, now)));
    } else {
      for (const [api, shape] of Object.entries(limits.perApi ?? {})) {
        this.#lanes.set(api as Ec2ApiName, new BucketLane(new TokenBucket(shape, now)));
      }
    }
  }

  /**
   * Resolves when a call of `api` may go out. Rejects with `AllocatorError` `Aborted` when the
   * limiter's signal aborts first.
   */
  acquire(api: Ec2ApiName, priority: CallPriority): Promise<void> {
    if (this.#signal.aborted) return Promise.reject(aborted());
    const lane = this.#lane(api);
    const rank = PRIORITY_RANK[priority];
    const now = this.#clock.now();
    if (!lane.hasWaiterAtOrAbove(rank) && lane.bucket.tryTake(now, this.#reserve(lane, rank))) {
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      lane.queue(rank).push({ rank, resolve, reject });
      if (!lane.pumping) void this.#pump(lane);
    });
  }

  /** Empties the bucket of `api` after the server throttled it, so the client slows down at once. */
  onThrottled(api: Ec2ApiName): void {
    this.#lane(api).bucket.drain(this.#clock.now());
  }

  /** How many calls are waiting for a token. */
  waiting(): number {
    let total = 0;
    for (const lane of this.#lanes.values()) total += lane.waiting();
    return total;
  }

  /** The bucket that governs `api`. */
  #lane(api: Ec2ApiName): BucketLane {
    const key = this.#shared ? 'shared' : api;
    let lane = this.#lanes.get(key);
    if (lane === undefined) {
      const shape = MUTATING_EC2_APIS.has(api) ? DEFAULT_MUTATING_BUCKET : DEFAULT_DESCRIBE_BUCKET;
      lane = new BucketLane(new TokenBucket(shape, this.#clock.now()));
      this.#lanes.set(key, lane);
    }
    return lane;
  }

  /** Background calls leave half the bucket to others. */
  #reserve(lane: BucketLane, rank: number): number {
    return rank === PRIORITY_RANK.background ? Math.max(1, lane.bucket.capacity / 2) : 1;
  }

  async #pump(lane: BucketLane): Promise<void> {
    lane.pumping = true;
    try {
      for (;;) {
        if (this.#signal.aborted) {
          for (const queue of lane.queues)
            for (const waiter of queue.drainAll()) waiter.reject(aborted());
          return;
        }
        const rank = lane.queues.findIndex((queue) => queue.size > 0);
        if (rank < 0) return;
        const now = this.#clock.now();
        const need = this.#reserve(lane, rank);
        if (lane.bucket.tryTake(now, need)) {
          lane.queue(rank).shift()?.resolve();
          continue;
        }
        try {
          await this.#clock.sleep(Math.max(1, lane.bucket.msUntil(now, need)), this.#signal);
        } catch {
          // Aborted: the loop rejects the waiters.
        }
      }
    } finally {
      lane.pumping = false;
    }
  }
}

function aborted(): AllocatorError {
  return new AllocatorError('Aborted', 'the branch controller stopped');
}
