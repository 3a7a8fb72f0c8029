/**
 * The branch network interface a pod is wired to: element 0 of the pod's
 * `vpc.amazonaws.com/pod-eni` annotation, with the fields the node side needs.
 */
export interface BranchAttachment {
  /** 802.1Q VLAN id of the branch on the node's trunk (1..4094). */
  vlanId: number;
  /** The branch interface's MAC address, given to the host VLAN device. */
  ifAddress: string;
  /** The pod's IPv4 address (the branch's primary private address). */
  privateIp: string;
  /** The branch subnet's IPv4 CIDR; its first address is the gateway. */
  subnetCidr: string;
  /** The pod's IPv6 address, when the branch has one. */
  ipv6Addr?: string;
  /** The branch subnet's IPv6 CIDR, when the branch has one. */
  subnetV6Cidr?: string;
  /** EC2 id of the branch interface (`eni-…`), informative on the node. */
  eniId?: string;
  /** EC2 trunk association id, informative on the node. */
  associationID?: string;
}
