import { AllocatorError } from '../errors/AllocatorError.js';
import type { TokenBucketShape } from '../models/RateLimit.js';

/**
 * A token bucket in the time of whoever passes `now` (milliseconds): it starts full, refills
 * continuously at `refillPerSecond` up to `capacity`, and each call takes one token. The one
 * bucket of the project: the controller's client-side limiter and the fake EC2's throttling.
 */
export class TokenBucket {
  readonly capacity: number;
  readonly refillPerMs: number;
  #tokens: number;
  #updatedAt: number;

  /**
   * A refill rate of 0 makes a bucket that never refills (`msUntil` is then Infinity once empty).
   *
   * @throws AllocatorError `Invalid` when capacity < 1 or the refill rate is negative
   */
  constructor(shape: TokenBucketShape, now: number) {
    if (!Number.isFinite(shape.capacity) || shape.capacity < 1) {
      throw new AllocatorError('Invalid', `token bucket capacity ${shape.capacity} must be ≥ 1`);
    }
    if (!Number.isFinite(shape.refillPerSecond) || shape.refillPerSecond < 0) {
      throw new AllocatorError(
        'Invalid',
        `token bucket refillPerSecond ${shape.refillPerSecond} must be ≥ 0`,
      );
    }
    this.capacity = shape.capacity;
    this.refillPerMs = shape.refillPerSecond / 1000;
    this.#tokens = shape.capacity;
    this.#updatedAt = now;
  }

  /** The tokens available at `now` (fractional). */
  tokens(now: number): number {
    this.#refill(now);
    return this.#tokens;
  }

  /** Takes one token when at least `atLeast` (default 1) are available; returns whether it did. */
  tryTake(now: number, atLeast = 1): boolean {
    this.#refill(now);
    if (this.#tokens < Math.max(1, atLeast)) return false;
    this.#tokens -= 1;
    return true;
  }

  /** Milliseconds from `now` until `count` tokens are available (0 when they are). */
  msUntil(now: number, count = 1): number {
    this.#refill(now);
    const missing = Math.min(count, this.capacity) - this.#tokens;
    return missing <= 0 ? 0 : Math.ceil(missing / this.refillPerMs);
  }

  /** Empties the bucket, e.g. when the server throttled a call this bucket let through. */
  drain(now: number): void {
    this.#refill(now);
    this.#tokens = Math.min(this.#tokens, 0);
  }

  #refill(now: number): void {
    if (now > this.#updatedAt) {
      this.#tokens = Math.min(
        this.capacity,
        this.#tokens + (now - this.#updatedAt) * this.refillPerMs,
      );
      this.#updatedAt = now;
    }
  }
}
