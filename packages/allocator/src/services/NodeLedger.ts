import { lowestFreeVlanId } from '../calculations/lowestFreeVlanId.js';
import type { BranchState } from '../models/BranchState.js';
import { checkBranchMove } from '../models/BranchState.js';

/** What the ledger needs of a branch record; it owns `state` changes. */
export interface LedgerBranch {
  state: BranchState;
  vlanId: number;
  /** The canonical key of the branch's groups (see `groupSetKey`). */
  groupKey: string;
}

/**
 * The capacity and VLAN book of one trunk: which VLAN ids are taken, how many branches are in
 * each state, and which held branches can be reused for which group set. Every decision about
 * a node's capacity or VLANs is a synchronous call on its ledger, so decisions for one node are
 * serialised by construction (no await between the check and the reservation).
 *
 * Invariant: creating + in-use + cooling + held + deleting ≤ capacity (recovery may find more;
 * then nothing new is reserved until enough are gone).
 */
export class NodeLedger<B extends LedgerBranch> {
  readonly capacity: number;
  readonly maxVlanId: number;
  /** 0 free, 1 taken by a branch of ours, 2 taken by someone else (found by EC2's refusal). */
  readonly #vlans: Uint8Array;
  readonly #counts: Record<BranchState, number> = {
    creating: 0,
    'in-use': 0,
    cooling: 0,
    held: 0,
    deleting: 0,
  };
  readonly #held = new Map<string, Set<B>>();
  readonly #cooling = new Map<string, Set<B>>();
  readonly #inUse = new Map<string, Set<B>>();

  constructor(capacity: number, maxVlanId: number) {
    this.capacity = capacity;
    this.maxVlanId = maxVlanId;
    this.#vlans = new Uint8Array(maxVlanId + 1);
  }

  /** How many branches are in `state`. */
  count(state: BranchState): number {
    return this.#counts[state];
  }

  /** Branches holding a slot (every state). */
  occupied(): number {
    const counts = this.#counts;
    return counts.creating + counts['in-use'] + counts.cooling + counts.held + counts.deleting;
  }

  /** Whether a slot and a VLAN id are free. */
  hasFreeSlot(): boolean {
    return this.occupied() < this.capacity && this.#lowestFreeVlan() !== null;
  }

  /**
   * Reserves a slot and the lowest free VLAN id for a new branch (state `creating`).
   *
   * @returns the VLAN id, or null when the node is full
   */
  reserve(): number | null {
    if (this.occupied() >= this.capacity) return null;
    const vlanId = this.#lowestFreeVlan();
    if (vlanId === null) return null;
    this.#vlans[vlanId] = 1;
    this.#counts.creating += 1;
    return vlanId;
  }

  /**
   * Records a branch found at recovery under a known VLAN id in `branch.state`.
   *
   * @returns false (and records nothing) when the VLAN id is out of range or already taken
   */
  adopt(branch: B): boolean {
    const { vlanId } = branch;
    if (!Number.isInteger(vlanId) || vlanId < 1 || vlanId > this.maxVlanId) return false;
    if (this.#vlans[vlanId] === 1) return false;
    this.#vlans[vlanId] = 1;
    this.#counts[branch.state] += 1;
    this.#index(branch);
    return true;
  }

  /**
   * Moves a branch to another state, keeping counts and the held index right.
   *
   * @throws AllocatorError `Invalid` for a move `BRANCH_TRANSITIONS` does not allow
   */
  move(branch: B, to: BranchState): void {
    const from = branch.state;
    checkBranchMove(branch.vlanId, from, to);
    this.#unindex(branch);
    this.#counts[from] -= 1;
    this.#counts[to] += 1;
    branch.state = to;
    this.#index(branch);
  }

  /**
   * Frees a branch's slot and VLAN id (after disassociation, or a reservation given up).
   * The branch's `state` is left as it was, for the caller's records.
   */
  free(branch: B): void {
    this.#unindex(branch);
    this.#counts[branch.state] -= 1;
    if (this.#vlans[branch.vlanId] === 1) this.#vlans[branch.vlanId] = 0;
  }

  /** Gives up a reservation made by `reserve` that never became a branch record. */
  unreserve(vlanId: number): void {
    this.#counts.creating -= 1;
    if (this.#vlans[vlanId] === 1) this.#vlans[vlanId] = 0;
  }

  /** Marks a VLAN id as taken by something the controller does not know (EC2 refused it). */
  block(vlanId: number): void {
    if (vlanId >= 1 && vlanId <= this.maxVlanId) this.#vlans[vlanId] = 2;
  }

  /**
   * Moves a branch to another VLAN id after EC2 refused its own as taken by something unknown:
   * the old id is blocked, the lowest free one taken.
   *
   * @returns the new VLAN id, or null (the old one released) when none is free
   */
  revlan(branch: B): number | null {
    this.#vlans[branch.vlanId] = 2;
    const vlanId = this.#lowestFreeVlan();
    if (vlanId === null) return null;
    this.#vlans[vlanId] = 1;
    branch.vlanId = vlanId;
    return vlanId;
  }

  /**
   * Moves a branch to a VLAN id EC2 says it already has (an association found by describe).
   *
   * @returns false when another branch of ours holds that id
   */
  rebind(branch: B, vlanId: number): boolean {
    if (vlanId === branch.vlanId) return true;
    if (vlanId < 1 || vlanId > this.maxVlanId || this.#vlans[vlanId] === 1) return false;
    if (this.#vlans[branch.vlanId] === 1) this.#vlans[branch.vlanId] = 0;
    this.#vlans[vlanId] = 1;
    branch.vlanId = vlanId;
    return true;
  }

  /** Whether `vlanId` is taken. */
  isVlanTaken(vlanId: number): boolean {
    return (this.#vlans[vlanId] ?? 1) !== 0;
  }

  /** The oldest held branch with this group set, without moving it. */
  peekHeld(groupKey: string): B | undefined {
    const held = this.#held.get(groupKey);
    if (held === undefined) return undefined;
    for (const branch of held) return branch;
    return undefined;
  }

  /**
   * The oldest held branch whose group set is not in `wanted` (a victim to delete so that a
   * pod with another group set gets capacity), or the oldest held of any set when all are
   * wanted.
   */
  heldVictim(wanted: ReadonlySet<string>): B | undefined {
    let fallback: B | undefined;
    for (const [key, held] of this.#held) {
      for (const branch of held) {
        if (!wanted.has(key)) return branch;
        fallback ??= branch;
        break;
      }
    }
    return fallback;
  }

  /** Changes the group key of a branch (its groups were modified). */
  regroup(branch: B, groupKey: string): void {
    this.#unindex(branch);
    branch.groupKey = groupKey;
    this.#index(branch);
  }

  /** How many branches of this group set are in `state`. */
  countOf(state: 'held' | 'cooling' | 'in-use', groupKey: string): number {
    return this.#indexOf(state)?.get(groupKey)?.size ?? 0;
  }

  /** The cooling branches with this group set, oldest first. */
  cooling(groupKey: string): Iterable<B> {
    return this.#cooling.get(groupKey) ?? [];
  }

  #lowestFreeVlan(): number | null {
    const vlans = this.#vlans;
    return lowestFreeVlanId((vlanId) => vlans[vlanId] !== 0, this.maxVlanId);
  }

  #indexOf(state: BranchState): Map<string, Set<B>> | null {
    if (state === 'held') return this.#held;
    if (state === 'cooling') return this.#cooling;
    return state === 'in-use' ? this.#inUse : null;
  }

  #index(branch: B): void {
    const index = this.#indexOf(branch.state);
    if (index === null) return;
    let set = index.get(branch.groupKey);
    if (set === undefined) {
      set = new Set();
      index.set(branch.groupKey, set);
    }
    set.add(branch);
  }

  #unindex(branch: B): void {
    const index = this.#indexOf(branch.state);
    const set = index?.get(branch.groupKey);
    if (index === null || set === undefined) return;
    set.delete(branch);
    if (set.size === 0) index.delete(branch.groupKey);
  }
}
