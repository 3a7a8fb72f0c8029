import { AllocatorError } from '@podsg/allocator';
import type { Clock } from '@podsg/allocator';

/**
 * The allocator's `Clock` on the process's monotonic clock (`performance.now()`), for production.
 * `now()` never decreases, whatever happens to the wall clock (NTP steps, manual changes).
 */
export class SystemClock implements Clock {
  /** Milliseconds since this process started (monotonic). */
  now(): number {
    return performance.now();
  }

  /**
   * Resolves after `ms` milliseconds (negative counts as 0; `Infinity` waits until aborted).
   * Rejects with `AllocatorError` `Aborted` when `signal` aborts first, `Invalid` for NaN.
   */
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (Number.isNaN(ms)) {
      return Promise.reject(new AllocatorError('Invalid', 'SystemClock.sleep: ms is NaN'));
    }
    if (signal?.aborted === true) return Promise.reject(aborted(signal));
    return new Promise<void>((resolve, reject) => {
      if (ms === Infinity) {
        signal?.addEventListener(
          'abort',
          () => {
            reject(aborted(signal));
          },
          { once: true },
        );
        return;
      }
      const onAbort = (): void => {
        clearTimeout(timer);
        reject(aborted(signal));
      };
      const timer = setTimeout(
        () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
        Math.max(0, ms),
      );
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
}

function aborted(signal: AbortSignal | undefined): AllocatorError {
  return new AllocatorError('Aborted', 'sleep aborted', { cause: signal?.reason });
}
