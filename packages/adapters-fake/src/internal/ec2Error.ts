import { AllocatorError, kindOfEc2Code } from '@podsg/allocator';

/** An `AllocatorError` carrying EC2's `code`, its kind following the code, its message EC2's. */
export function ec2Error(code: string, message: string): AllocatorError {
  return new AllocatorError(kindOfEc2Code(code), `${code}: ${message}`, { code });
}
