import { AllocatorError } from '../../errors/AllocatorError.js';

/**
 * How the controller handles failures: every failure as an `AllocatorError`, described in
 * Kubernetes events by its provider code when it has one, and `PodGone` for an annotation
 * whose pod is gone.
 */
export function asAllocatorError(error: unknown): AllocatorError {
  if (error instanceof AllocatorError) return error;
  return new AllocatorError(
    'Transient',
    error instanceof Error ? error.message : `unexpected failure: ${String(error)}`,
    { cause: error },
  );
}

/** A failure as an event message shows it: the provider code (else the kind) and the message. */
export function describeError(error: AllocatorError): string {
  return error.code === undefined
    ? `${error.kind}: ${error.message}`
    : `${error.code}: ${error.message}`;
}

/** The pod an annotation was meant for is gone (deleted, or its name has a new UID). */
export class PodGone extends Error {
  constructor(cause: unknown) {
    super('the pod is gone', { cause });
  }
}
