import { AllocatorError } from '../errors/AllocatorError.js';

/**
 * Where a branch interface is in its life on a node; every state but the last holds one of the
 * node's VLAN ids and counts against its capacity:
 * - `creating`: a slot and VLAN are reserved for a pod; the interface is being created/associated;
 * - `in-use`: associated and given to a pod (the pod's annotation names it);
 * - `cooling`: its pod is gone; waiting `cooldownSeconds` so the pod's traffic drains;
 * - `held`: cooled down, still associated, ready to be given to a pod with the same groups;
 * - `deleting`: being disassociated and deleted.
 */
export type BranchState = 'creating' | 'in-use' | 'cooling' | 'held' | 'deleting';

/** The moves `NodeLedger.move` allows, from → to. */
export const BRANCH_TRANSITIONS: Readonly<Record<BranchState, readonly BranchState[]>> = {
  creating: ['in-use', 'held', 'deleting'],
  'in-use': ['cooling', 'held', 'deleting'],
  cooling: ['held', 'deleting'],
  held: ['in-use', 'deleting'],
  deleting: ['held'],
};

/**
 * Checks a branch's move against `BRANCH_TRANSITIONS`.
 *
 * @throws AllocatorError `Invalid` naming the branch's VLAN and the move it does not allow
 */
export function checkBranchMove(vlanId: number, from: BranchState, to: BranchState): void {
  if (!BRANCH_TRANSITIONS[from].includes(to)) {
    throw new AllocatorError('Invalid', `branch on VLAN ${vlanId} cannot go ${from} → ${to}`);
  }
}
