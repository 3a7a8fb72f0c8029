/**
 * One element of the pod annotation `vpc.amazonaws.com/pod-eni`, byte-compatible with EKS: the
 * keys, their case and their order are a contract with the CNI plugin.
 */
export interface PodEniAttachment {
  /** The branch interface id, `eni-…`. */
  eniId: string;
  /** The branch interface's MAC address. */
  ifAddress: string;
  /** The branch interface's primary private IPv4 address. */
  privateIp: string;
  /** The branch interface's IPv6 address; empty when it has none. */
  ipv6Addr: string;
  /** The VLAN id of the branch's association with the trunk. */
  vlanId: number;
  /** The IPv4 CIDR of the branch's subnet. */
  subnetCidr: string;
  /** The IPv6 CIDR of the branch's subnet; empty when it has none. */
  subnetV6Cidr: string;
  /** The trunk association id. */
  associationID: string;
}

/**
 * One element of the `vpc.amazonaws.com/pod-eni` annotation as the node side reads it: what
 * wiring needs, the IPv6 fields only when the branch has them, the EC2 ids when listed. The same
 * shape as `@podsg/cni`'s `BranchAttachment`.
 */
export interface PodEniBranch {
  /** 802.1Q VLAN id of the branch on the node's trunk (1..4094). */
  vlanId: number;
  /** The branch interface's MAC address, lowercase. */
  ifAddress: string;
  /** The pod's IPv4 address (the branch's primary private address). */
  privateIp: string;
  /** The branch subnet's IPv4 CIDR. */
  subnetCidr: string;
  /** The pod's IPv6 address, lowercase, when the branch has one. */
  ipv6Addr?: string;
  /** The branch subnet's IPv6 CIDR, lowercase, when the branch has one. */
  subnetV6Cidr?: string;
  /** EC2 id of the branch interface (`eni-…`), when listed. */
  eniId?: string;
  /** EC2 trunk association id, when listed. */
  associationID?: string;
}

/** The outcome of reading one element: the branch, or the first field that is wrong and why. */
export type PodEniBranchParse =
  { ok: true; branch: PodEniBranch } | { ok: false; field: string; problem: string };
