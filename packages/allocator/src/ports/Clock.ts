/**
 * Time for the allocator: the wall clock in production, a virtual clock in simulation, so
 * cooldowns, backoffs and rate limits run in simulated time.
 */
export interface Clock {
  /** Milliseconds since an arbitrary, fixed origin; never decreases. */
  now(): number;

  /**
   * Resolves after `ms` milliseconds of this clock's time. When `signal` aborts first, rejects
   * with `AllocatorError` of kind `Aborted` and releases the timer.
   */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}
