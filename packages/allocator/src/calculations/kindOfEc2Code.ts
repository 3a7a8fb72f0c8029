import type { AllocatorErrorKind } from '../errors/AllocatorError.js';

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

/** Refusals of the credentials or the signature: no retry helps, as with a denied action. */
const CREDENTIAL_REFUSALS = new Set([
  'AuthFailure',
  'SignatureDoesNotMatch',
  'MissingAuthenticationToken',
  'InvalidClientTokenId',
  'ExpiredToken',
]);

/**
 * The `AllocatorError` kind EC2's error code maps to, as `NetworkInterfaceApi`'s TSDoc lists
 * them; one table for `FakeEc2` and the SDK adapter. Refusals of the credentials
 * (`AuthFailure`, `SignatureDoesNotMatch`, …) are `Unauthorized`. `Throttled` and `Transient` are the
 * retryable ones; a malformed id (`*.Malformed`) is `InvalidParameter`, never `NotFound`.
 */
export function kindOfEc2Code(code: string): AllocatorErrorKind {
  if (THROTTLING.has(code)) return 'Throttled';
  if (TRANSIENT.has(code)) return 'Transient';
  if (code === 'UnauthorizedOperation' || CREDENTIAL_REFUSALS.has(code)) return 'Unauthorized';
  if (code.endsWith('.NotFound')) return 'NotFound';
  if (code.endsWith('LimitExceeded') || code === 'InsufficientFreeAddressesInSubnet')
    return 'LimitExceeded';
  return 'InvalidParameter';
}
