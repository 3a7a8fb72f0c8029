import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { AllocatorError } from '@podsg/allocator';
import type { Clock } from '@podsg/allocator';
import { TimerHeap } from '../internal/TimerHeap.js';
import type { HeapTimer } from '../internal/TimerHeap.js';

/** Options of `VirtualClock.runUntilIdle`. */
export interface RunUntilIdleOptions {
  /** Simulated milliseconds after which to stop even if timers remain; default one day. */
  maxMs?: number;
}

const ONE_DAY_MS = 24 * 60 * 60 * 1000;

/**
 * A discrete-event `Clock`: time stands still until a driver (a test or the simulator) moves
 * it with `advance`, `runUntil` or `runUntilIdle`. Moving time lets pending promise work
 * settle, then jumps straight to the earliest timer, so simulated minutes take milliseconds.
 * Timers due at the same instant fire in the order they were scheduled; given the same inputs
 * a run is fully deterministic.
 *
 * All work driven by this clock must be promise-based (no real I/O): settling is "drain every
 * microtask", done by awaiting one real `setImmediate`.
 */
export class VirtualClock implements Clock {
  #current: number;
  #sequence = 0;
  #live = 0;
  #running = false;
  readonly #heap = new TimerHeap();

  /** @param startMs the initial time, default 0. */
  constructor(startMs = 0) {
    if (!Number.isFinite(startMs)) {
      throw new AllocatorError(
        'Invalid',
        `VirtualClock start time ${String(startMs)} is not finite`,
      );
    }
    this.#current = startMs;
  }

  /** The current simulated time in milliseconds. */
  now(): number {
    return this.#current;
  }

  /** Timers scheduled and neither fired nor cancelled (sleeps forever are not counted). */
  get pendingTimers(): number {
    return this.#live;
  }

  /**
   * Resolves once the clock has moved `ms` forward (negative counts as 0; `Infinity` waits
   * until aborted). Rejects with `AllocatorError` `Aborted` when `signal` aborts first, and
   * with `Invalid` for NaN.
   */
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (Number.isNaN(ms)) {
      return Promise.reject(new AllocatorError('Invalid', 'VirtualClock.sleep: ms is NaN'));
    }
    if (signal?.aborted === true) return Promise.reject(aborted(signal));
    return new Promise<void>((resolve, reject) => {
      let cancel: (() => void) | null = null;
      const onAbort = (): void => {
        cancel?.();
        reject(aborted(signal));
      };
      if (ms === Infinity) {
        signal?.addEventListener('abort', onAbort, { once: true });
        return;
      }
      cancel = this.schedule(ms, () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      });
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /**
   * Calls `callback` once the clock has moved `delayMs` forward (negative counts as 0), in
   * FIFO order with other timers of the same instant. Returns a function that cancels it.
   * For fakes and drivers that need clock-driven work without a promise.
   */
  schedule(delayMs: number, callback: () => void): () => void {
    if (!Number.isFinite(delayMs)) {
      throw new AllocatorError(
        'Invalid',
        `VirtualClock.schedule: delayMs ${String(delayMs)} is not finite`,
      );
    }
    const timer: HeapTimer = {
      at: this.#current + Math.max(0, delayMs),
      seq: this.#sequence++,
      cancelled: false,
      fire: callback,
    };
    this.#heap.push(timer);
    this.#live++;
    return () => {
      if (timer.cancelled) return;
      timer.cancelled = true;
      this.#live--;
    };
  }

  /** Moves time forward by `ms`, firing every timer due on the way. */
  advance(ms: number): Promise<void> {
    if (!(ms >= 0) || !Number.isFinite(ms)) {
      return Promise.reject(
        new AllocatorError(
          'Invalid',
          `VirtualClock.advance: ms ${String(ms)} must be finite and ≥ 0`,
        ),
      );
    }
    return this.runUntil(this.#current + ms);
  }

  /**
   * Fires every timer due at or before `timeMs`, letting promise work settle before each
   * jump, then sets the time to `timeMs` (never backwards).
   */
  async runUntil(timeMs: number): Promise<void> {
    if (Number.isNaN(timeMs)) {
      throw new AllocatorError('Invalid', 'VirtualClock.runUntil: timeMs is NaN');
    }
    await this.#drive(timeMs);
    if (timeMs > this.#current && Number.isFinite(timeMs)) this.#current = timeMs;
  }

  /**
   * Fires timers until none remain or `maxMs` of simulated time have passed. Resolves true
   * when the clock went idle (no pending timers and no promise work left), false when it
   * stopped at the limit.
   */
  async runUntilIdle(options: RunUntilIdleOptions = {}): Promise<boolean> {
    const maxMs = options.maxMs ?? ONE_DAY_MS;
    if (!(maxMs >= 0)) {
      throw new AllocatorError(
        'Invalid',
        `VirtualClock.runUntilIdle: maxMs ${String(maxMs)} must be ≥ 0`,
      );
    }
    const limit = this.#current + maxMs;
    await this.#drive(limit);
    return this.#live === 0;
  }

  /** Lets all pending promise work run without moving time. */
  async settle(): Promise<void> {
    await yieldToEventLoop();
  }

  async #drive(limit: number): Promise<void> {
    if (this.#running) {
      throw new AllocatorError('Invalid', 'VirtualClock is already being driven (nested run)');
    }
    this.#running = true;
    try {
      for (;;) {
        await yieldToEventLoop();
        const next = this.#nextLive();
        if (next === undefined || next.at > limit) return;
        this.#current = Math.max(this.#current, next.at);
        // Fire every timer of this instant in FIFO order before settling once: continuations
        // then run in the same order the timers were scheduled.
        const instant = next.at;
        for (;;) {
          const timer = this.#nextLive();
          if (timer === undefined || timer.at !== instant) break;
          this.#heap.pop();
          timer.cancelled = true;
          this.#live--;
          timer.fire();
        }
      }
    } finally {
      this.#running = false;
    }
  }

  /** The earliest timer not cancelled, discarding cancelled ones from the top of the heap. */
  #nextLive(): HeapTimer | undefined {
    for (;;) {
      const top = this.#heap.peek();
      if (top === undefined || !top.cancelled) return top;
      this.#heap.pop();
    }
  }
}

function aborted(signal: AbortSignal | undefined): AllocatorError {
  return new AllocatorError('Aborted', 'sleep aborted', { cause: signal?.reason });
}
