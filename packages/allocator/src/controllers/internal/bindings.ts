import type { BranchRecord, PodRecord } from '../records.js';

/**
 * The link between a pod and its branch, and what it means for the node's count of
 * interfaces soon cooling (`NodeRecord.draining`, read by `reuseWaitSeconds`).
 */

/** Whether the pod was released; a function so TypeScript does not narrow across awaits. */
export function released(pod: PodRecord): boolean {
  return pod.status === 'released';
}

/** Cuts the link between a pod and a branch, on either side that still holds it. */
export function unbind(pod: PodRecord, branch: BranchRecord): void {
  if (pod.branch === branch) pod.branch = null;
  if (branch.pod === pod) branch.pod = null;
}

/** Counts a terminating pod's interface as soon cooling (for `reuseWaitSeconds`). */
export function markTerminating(pod: PodRecord): void {
  pod.terminating = true;
  const branch = pod.branch;
  if (pod.status !== 'allocated' || branch === null) return;
  const draining = branch.node.draining;
  draining.set(branch.groupKey, (draining.get(branch.groupKey) ?? 0) + 1);
}

/** Takes back `markTerminating`'s count (the interface is released or changes group set). */
export function undrain(pod: PodRecord, branch: BranchRecord): void {
  if (!pod.terminating) return;
  pod.terminating = false;
  const draining = branch.node.draining;
  const count = (draining.get(branch.groupKey) ?? 0) - 1;
  if (count > 0) draining.set(branch.groupKey, count);
  else draining.delete(branch.groupKey);
}
