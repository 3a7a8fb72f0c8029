/** What an EC2 instance type allows for trunk and branch interfaces. */
export interface InstanceLimits {
  /** The instance type, e.g. `c5.4xlarge`. */
  readonly instanceType: string;
  /** How many network interfaces the instance's default network card takes (device indexes 0..n-1). */
  readonly interfaces: number;
  /** Whether the type can take a trunk interface at all. */
  readonly trunkCompatible: boolean;
  /** How many branch interfaces a trunk supports: the node's `vpc.amazonaws.com/pod-eni` capacity. */
  readonly branchInterfaces: number;
  /** The highest VLAN id handed out: `min(branchInterfaces, 120)`; ids run from 1. */
  readonly maxVlanId: number;
}
