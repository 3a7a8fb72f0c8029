import { AllocatorError, instanceLimits } from '@podsg/allocator';
import type { InstanceNetworkLimits } from '../models/FakeEc2Options.js';

/** The limits table of `@podsg/allocator`; undefined for an unknown type. */
export function defaultInstanceLimits(instanceType: string): InstanceNetworkLimits | undefined {
  try {
    return instanceLimits(instanceType);
  } catch (error) {
    if (AllocatorError.is(error, 'UnsupportedInstanceType')) return undefined;
    throw error;
  }
}
