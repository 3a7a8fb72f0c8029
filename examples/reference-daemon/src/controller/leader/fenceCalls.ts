import { AllocatorError } from '@podsg/allocator';

/**
 * Wraps every method of `target` so that, once `signal` has aborted, calls reject with
 * `AllocatorError` `Aborted` instead of reaching the adapter: a fenced leader (or one shutting
 * down) sends no more EC2 or cluster writes, whatever its controller still has in flight. Calls
 * sent before the abort complete in EC2 as they would after a crash; their client tokens make
 * the next leader's retry of the same step safe. Guarded methods must return promises.
 */
export function fenceCalls<T extends object>(
  target: T,
  signal: AbortSignal,
  what: string,
  /** Synchronous methods left unguarded (`watch` returns its unsubscribe function). */
  passThrough: readonly (keyof T & string)[] = [],
): T {
  return new Proxy(target, {
    get(object, property, receiver) {
      const value: unknown = Reflect.get(object, property, receiver);
      if (typeof value !== 'function') return value;
      if ((passThrough as readonly PropertyKey[]).includes(property))
        return (value as (...callArgs: unknown[]) => unknown).bind(object);
      return (...args: unknown[]): unknown => {
        if (signal.aborted) {
          const error = new AllocatorError(
            'Aborted',
            `${what}.${String(property)} refused: this replica is fenced (${reasonOf(signal)})`,
          );
          return Promise.reject(error);
        }
        return (value as (...callArgs: unknown[]) => unknown).apply(object, args);
      };
    },
  });
}

function reasonOf(signal: AbortSignal): string {
  const reason: unknown = signal.reason;
  return reason instanceof Error ? reason.message : String(reason);
}
