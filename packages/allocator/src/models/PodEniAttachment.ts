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
