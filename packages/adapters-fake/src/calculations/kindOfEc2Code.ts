import type { AllocatorErrorKind } from '@podsg/allocator';

/** The `AllocatorError` kind EC2's error code maps to. */
export function kindOfEc2Code(code: string): AllocatorErrorKind {
  if (code === 'RequestLimitExceeded' || code === 'Throttling') return 'Throttled';
  if (code === 'InternalError' || code === 'ServiceUnavailable' || code === 'Unavailable')
    return 'Transient';
  if (code === 'UnauthorizedOperation' || code === 'AuthFailure') return 'Unauthorized';
  if (code.endsWith('.NotFound')) return 'NotFound';
  if (code.endsWith('LimitExceeded') || code === 'InsufficientFreeAddressesInSubnet')
    return 'LimitExceeded';
  return 'InvalidParameter';
}
