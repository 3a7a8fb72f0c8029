/** EC2's interface types that podsg deals with (`interface` is a node's ordinary ENI). */
export type NetworkInterfaceType = 'interface' | 'trunk' | 'branch';

/** EC2's network interface status. */
export type NetworkInterfaceStatus =
  'available' | 'in-use' | 'attaching' | 'detaching' | 'associated';

/** An interface's attachment to an instance. */
export interface NetworkInterfaceAttachment {
  attachmentId: string;
  instanceId: string;
  deviceIndex: number;
  status: 'attaching' | 'attached' | 'detaching' | 'detached';
  deleteOnTermination: boolean;
}

/** An EC2 network interface, as described by `DescribeNetworkInterfaces`. */
export interface NetworkInterface {
  networkInterfaceId: string;
  interfaceType: NetworkInterfaceType;
  status: NetworkInterfaceStatus;
  subnetId: string;
  vpcId: string;
  macAddress: string;
  privateIpAddress: string;
  ipv6Address?: string;
  /** Security group ids, sorted ascending. */
  groupIds: string[];
  description: string;
  tags: Record<string, string>;
  attachment?: NetworkInterfaceAttachment;
}

/** An association of a branch interface with a trunk under a VLAN id. */
export interface TrunkAssociation {
  associationId: string;
  trunkInterfaceId: string;
  branchInterfaceId: string;
  vlanId: number;
}

/** An EC2 subnet. */
export interface Subnet {
  subnetId: string;
  vpcId: string;
  cidrBlock: string;
  ipv6CidrBlock?: string;
  availableIpAddressCount: number;
}

/** An EC2 instance with its attached interfaces (the primary one at device index 0). */
export interface Instance {
  instanceId: string;
  instanceType: string;
  subnetId: string;
  vpcId: string;
  networkInterfaces: NetworkInterface[];
}
