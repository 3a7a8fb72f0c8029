import type {
  Instance,
  NetworkInterface,
  NetworkInterfaceStatus,
  NetworkInterfaceType,
  Subnet,
  TrunkAssociation,
} from '../models/NetworkInterface.js';

/** Filters of `listNetworkInterfaces`; all given filters must hold. */
export interface NetworkInterfaceFilter {
  networkInterfaceIds?: readonly string[];
  /** Tag key to value; `true` means the key is present with any value. */
  tags?: Readonly<Record<string, string | true>>;
  status?: NetworkInterfaceStatus;
  interfaceType?: NetworkInterfaceType;
  subnetId?: string;
  vpcId?: string;
}

/**
 * The EC2 network interface operations the allocator drives.
 *
 * Every method may throw `AllocatorError` of kind `Throttled` or `Transient` (retry with
 * backoff), `Unauthorized`, or `InvalidParameter` (with EC2's code in `code`). Reads are
 * eventually consistent: an interface just created may be missing from `listNetworkInterfaces`
 * for a moment, as in EC2.
 */
export interface NetworkInterfaceApi {
  /** An instance and its attached interfaces. Throws `NotFound` for an unknown instance. */
  describeInstance(instanceId: string): Promise<Instance>;

  /** A subnet. Throws `NotFound` for an unknown subnet. */
  describeSubnet(subnetId: string): Promise<Subnet>;

  /**
   * Creates an interface with its tags in one call (tags are on it before anything else can
   * fail). Idempotent by `clientToken`: the same token returns the interface created the first
   * time. Throws `NotFound` (`InvalidGroup.NotFound`, `InvalidSubnetID.NotFound`),
   * `LimitExceeded` (no free address in the subnet, interface quota).
   */
  createNetworkInterface(request: {
    subnetId: string;
    groupIds: readonly string[];
    description: string;
    tags: Readonly<Record<string, string>>;
    interfaceType: 'trunk' | 'branch';
    clientToken: string;
  }): Promise<NetworkInterface>;

  /**
   * Attaches an interface to an instance at a device index. Throws `LimitExceeded` when the
   * instance has no free interface slot, `InvalidParameter` when the index is taken.
   * The attachment starts `attaching`; poll `describeInstance` until it is `attached`.
   */
  attachNetworkInterface(request: {
    networkInterfaceId: string;
    instanceId: string;
    deviceIndex: number;
  }): Promise<{ attachmentId: string }>;

  /** Replaces the interface's security groups and/or its attachment's delete-on-termination. */
  modifyNetworkInterface(request: {
    networkInterfaceId: string;
    groupIds?: readonly string[];
    attachment?: { attachmentId: string; deleteOnTermination: boolean };
  }): Promise<void>;

  /** Sets tags on an interface, replacing the values of keys that exist. */
  tagNetworkInterface(
    networkInterfaceId: string,
    tags: Readonly<Record<string, string>>,
  ): Promise<void>;

  /**
   * Associates a branch with a trunk under a VLAN id. Idempotent by `clientToken`. Throws
   * `InvalidParameter` when the VLAN id is in use on the trunk or the branch is associated
   * elsewhere, `LimitExceeded` when the trunk has no branch capacity left.
   */
  associateTrunkInterface(request: {
    trunkInterfaceId: string;
    branchInterfaceId: string;
    vlanId: number;
    clientToken: string;
  }): Promise<TrunkAssociation>;

  /** Removes an association. Idempotent by `clientToken`; throws `NotFound` when it is gone. */
  disassociateTrunkInterface(request: {
    associationId: string;
    clientToken: string;
  }): Promise<void>;

  /** The associations of a trunk. */
  describeTrunkInterfaceAssociations(trunkInterfaceId: string): Promise<TrunkAssociation[]>;

  /**
   * Deletes an interface. Throws `NotFound` when it is gone, `InvalidParameter`
   * (`InvalidNetworkInterface.InUse`) while it is attached or associated.
   */
  deleteNetworkInterface(networkInterfaceId: string): Promise<void>;

  /** Interfaces matching every given filter (all pages). */
  listNetworkInterfaces(filter: NetworkInterfaceFilter): Promise<NetworkInterface[]>;
}
