import type { AllocatorError } from './AllocatorError.js';

/** A failure as a Kubernetes event shows it: the provider code (else the kind) and the message. */
export function describeError(error: AllocatorError): string {
  return error.code === undefined
    ? `${error.kind}: ${error.message}`
    : `${error.code}: ${error.message}`;
}
