import type { AllocatorErrorKind } from '@podsg/allocator';

/** Codes EC2 (and the SDK's retry strategy) treat as throttling: retry after backing off. */
const THROTTLING = new Set([
  'RequestLimitExceeded',
  'Throttling',
  'ThrottlingException',
  'EC2ThrottledException',
  'RequestThrottled',
  'RequestThrottledException',
]);

/** Server-side codes (HTTP 500 / 503): the request may be retried as is. */
const TRANSIENT = new Set([
  'InternalError',
  'InternalFailure',
  'ServiceUnavailable',
  'Unavailable',
]);

/**
 * The `AllocatorError` kind EC2's error code maps to. `Throttled` and `Transient` are the
 * retryable ones; a malformed id (`*.Malformed`) is `InvalidParameter`, never `NotFound`.
 */
export function kindOfEc2Code(code: string): AllocatorErrorKind {
  if (THROTTLING.has(code)) return 'Throttled';
  if (TRANSIENT.has(code)) return 'Transient';
  if (code === 'UnauthorizedOperation' || code === 'AuthFailure') return 'Unauthorized';
  if (code.endsWith('.NotFound')) return 'NotFound';
  if (code.endsWith('LimitExceeded') || code === 'InsufficientFreeAddressesInSubnet')
    return 'LimitExceeded';
  return 'InvalidParameter';
}
