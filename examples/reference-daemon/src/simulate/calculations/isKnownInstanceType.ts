import { instanceLimits } from '@podsg/allocator';

/** Whether the allocator's limits table knows `instanceType` (a scenario's `ScenarioContext`). */
export function isKnownInstanceType(instanceType: string): boolean {
  try {
    instanceLimits(instanceType);
    return true;
  } catch {
    return false;
  }
}
