import type { BranchState } from '../../models/BranchState.js';
import type { NetworkInterface } from '../../models/NetworkInterface.js';
import type { PodEniAttachment } from '../../models/PodEniAttachment.js';
import { POD_UID_TAG } from '../../models/wellKnownNames.js';
import type { NodeBranches } from './NodeBranches.js';
import type { PodRecord } from './PodRecord.js';

/**
 * The controller's record of one branch interface (or a reservation for one). Its `state`
 * changes only through its node (`NodeBranches.moveBranch`), which checks `BRANCH_TRANSITIONS`.
 */
export class BranchRecord {
  state: BranchState;
  eniId: string | null = null;
  associationId: string | null = null;
  pod: PodRecord | null = null;
  macAddress = '';
  privateIp = '';
  ipv6Address = '';
  subnetCidr = '';
  subnetV6Cidr = '';
  /** Whether the groups are the node's fallback (no policy matches its pod). */
  fallback = false;
  /** When the cooldown or hold ends (clock ms); 0 when none. */
  deadline = 0;
  /** The `podsg.io/pod-uid` tag value as last written or seen. */
  taggedUid: string | null = null;
  /** Deletion attempts that failed. */
  deleteFailures = 0;
  /** Whether it was created for its pod before a restart and is being adopted. */
  adopted = false;
  /**
   * The generation in the association client token, bumped after we disassociated it; absent
   * (0) until then. Declared without a field so that the many records that never need it stay
   * one slot smaller.
   */
  declare associationGeneration?: number;
  /**
   * The UID of the pod whose release started its cooldown, matched against the node agent's
   * confirmations; absent for a branch found cooling at recovery (it keeps the cooldown).
   */
  declare releasedUid?: string;
  /**
   * Set while a ModifyNetworkInterfaceAttribute of it is unanswered or failed: EC2 may hold other
   * groups than `groupKey`, so the next group change or pod to get it sets them again. Absent
   * otherwise.
   */
  declare groupsUnsure?: boolean;

  constructor(
    readonly node: NodeBranches,
    public vlanId: number,
    public groupKey: string,
    state: BranchState,
  ) {
    this.state = state;
  }

  /** The branch as the pod's `vpc.amazonaws.com/pod-eni` annotation describes it. */
  attachment(): PodEniAttachment {
    return {
      eniId: this.eniId ?? '',
      ifAddress: this.macAddress,
      privateIp: this.privateIp,
      ipv6Addr: this.ipv6Address,
      vlanId: this.vlanId,
      subnetCidr: this.subnetCidr || this.node.subnetCidr,
      subnetV6Cidr: this.subnetV6Cidr || this.node.subnetV6Cidr,
      associationID: this.associationId ?? '',
    };
  }

  /** Copies an EC2 interface's id, addresses and pod-uid tag. */
  fillFrom(eni: NetworkInterface): void {
    this.eniId = eni.networkInterfaceId;
    this.macAddress = eni.macAddress;
    this.privateIp = eni.privateIpAddress;
    this.ipv6Address = eni.ipv6Address ?? '';
    this.taggedUid = eni.tags[POD_UID_TAG] ?? null;
  }
}

/** Cuts the link between a pod and a branch, on either side that still holds it. */
export function unbind(pod: PodRecord, branch: BranchRecord): void {
  if (pod.branch === branch) pod.branch = null;
  if (branch.pod === pod) branch.pod = null;
}
