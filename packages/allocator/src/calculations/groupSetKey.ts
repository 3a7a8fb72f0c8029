/**
 * A canonical key for a set of security groups: unique, sorted, comma-joined. Two branch
 * interfaces are interchangeable for reuse exactly when their keys are equal.
 */
export function groupSetKey(groupIds: readonly string[]): string {
  return [...new Set(groupIds)].sort().join(',');
}
