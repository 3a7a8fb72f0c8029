import * as allocator from '@podsg/allocator';
import type { InstanceNetworkLimits } from '../models/FakeEc2Options.js';

// TODO: import `instanceLimits` directly once `@podsg/allocator` exports it.
const lookup = (allocator as unknown as Record<string, unknown>)['instanceLimits'] as
  ((instanceType: string) => InstanceNetworkLimits) | undefined;

/** The limits table of `@podsg/allocator`; undefined for an unknown type. */
export function defaultInstanceLimits(instanceType: string): InstanceNetworkLimits | undefined {
  if (lookup === undefined) {
    throw new allocator.AllocatorError(
      'Invalid',
      'FakeEc2: @podsg/allocator does not export instanceLimits yet; pass options.instanceLimits',
    );
  }
  try {
    return lookup(instanceType);
  } catch (error) {
    if (allocator.AllocatorError.is(error, 'UnsupportedInstanceType')) return undefined;
    throw error;
  }
}
