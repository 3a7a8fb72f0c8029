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
  /**
   * EC2's `network-interface-id` filter: an id that does not exist (or is not visible yet) is
   * simply absent from the result, never `NotFound`.
   */
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
 * Every method may throw `AllocatorError` with EC2's error code in `code` and a `kind` that
 * follows it: `Throttled` (`RequestLimitExceeded`) and `Transient` (`InternalError`,
 * `ServiceUnavailable`, `Unavailable`) are the retryable ones (back off, retry with the same
 * client token); `Unauthorized` (`UnauthorizedOperation`); `NotFound` (`*.NotFound`, for a
 * well-formed id that does not exist); `LimitExceeded` (`*LimitExceeded`,
 * `InsufficientFreeAddressesInSubnet`); `InvalidParameter` for the rest, including a malformed
 * id (`*.Malformed`), `IdempotentParameterMismatch` and `InvalidNetworkInterface.InUse`.
 * Reads are eventually consistent: an interface just created may be missing from
 * `listNetworkInterfaces` for a moment, as in EC2. Each method is one EC2 request (one throttle
 * token) except `modifyNetworkInterface` with both attributes.
 */
export interface NetworkInterfaceApi {
  /** An instance and its attached interfaces. Throws `NotFound` for an unknown instance. */
  describeInstance(instanceId: string): Promise<Instance>;

  /** A subnet. Throws `NotFound` for an unknown subnet. */
  describeSubnet(subnetId: string): Promise<Subnet>;

  /**
   * Creates an interface with its tags in one call (tags are on it before anything else can
   * fail). Idempotent by `clientToken` (1 … 64 ASCII characters): the same token and request
   * return the interface created the first time, even after it was deleted (nothing is created
   * again); the same token with other parameters is `IdempotentParameterMismatch`. A group
   * listed twice counts once. Throws `NotFound` (`InvalidGroup.NotFound`, also for a group of
   * another VPC; `InvalidSubnetID.NotFound`), `LimitExceeded` (no free address in the subnet,
   * `NetworkInterfaceLimitExceeded`, `SecurityGroupsPerInterfaceLimitExceeded`: 5 per interface
   * by default, 16 at most).
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

  /**
   * Replaces the interface's security groups and/or its attachment's delete-on-termination.
   * EC2's ModifyNetworkInterfaceAttribute changes one attribute per request, so giving both
   * makes two requests (groups first, then the attachment), each throttled and failing on its
   * own: not atomic, when the second fails the first has taken effect. Give one at a time when
   * that matters. Giving neither is `MissingParameter`.
   */
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
   * Associates a branch with a trunk under a VLAN id. Idempotent by `clientToken`. The trunk
   * must be attached (`attached`, not `attaching`). Throws `InvalidParameter` when the VLAN id is
   * in use on the trunk (`InvalidVlanId.Duplicate`) or the branch is associated elsewhere,
   * `LimitExceeded` when the trunk has no branch capacity left. An associated branch is
   * `in-use`.
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
   * (`InvalidNetworkInterface.InUse`) while it is attached to an instance. A branch still
   * associated with a trunk is deleted with its association (its VLAN id is free again), as
   * EC2 does.
   */
  deleteNetworkInterface(networkInterfaceId: string): Promise<void>;

  /** Interfaces matching every given filter (all pages). */
  listNetworkInterfaces(filter: NetworkInterfaceFilter): Promise<NetworkInterface[]>;
}
