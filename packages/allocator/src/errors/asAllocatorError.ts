import { AllocatorError } from './AllocatorError.js';

/** Any failure as an `AllocatorError` (an unknown one is `Transient`, the original its cause). */
export function asAllocatorError(error: unknown): AllocatorError {
  if (error instanceof AllocatorError) return error;
  return new AllocatorError(
    'Transient',
    error instanceof Error ? error.message : `unexpected failure: ${String(error)}`,
    { cause: error },
  );
}
