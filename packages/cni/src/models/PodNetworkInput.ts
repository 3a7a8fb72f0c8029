import type { BranchAttachment } from './BranchAttachment.js';
import type { EnforcingMode } from './NetworkConfig.js';

/** What `planPodNetwork` needs to wire one pod to its branch interface (docs/architecture.md, "Pod networking"). */
export interface PodNetworkInput {
  mode: EnforcingMode;
  podNamespace: string;
  podName: string;
  /** The interface name inside the pod (`CNI_IFNAME`). */
  ifName: string;
  /** MTU of the veth pair, 576..9001. */
  mtu: number;
  /** Host veth prefix in standard mode (strict mode always uses `vlan`). */
  vethPrefix: string;
  /** MAC of the host end of the veth: the pod's gateway neighbour entry points at it. */
  hostVethMac: string;
  /** The node's trunk link, parent of the VLAN device. */
  trunkLink: string;
  branch: Pick<
    BranchAttachment,
    'vlanId' | 'ifAddress' | 'privateIp' | 'subnetCidr' | 'ipv6Addr' | 'subnetV6Cidr'
  >;
  /**
   * The CNI container id (`CNI_CONTAINERID`). When given, the VLAN device gets the alias
   * `podsg:<containerId>:<ifName>` so GC can tell which attachment it belongs to.
   */
  containerId?: string;
}

/**
 * What `planPodTeardown` needs: the `PodNetworkInput` without `hostVethMac`, of which only the
 * parts that name things are required, so it can be rebuilt from a CNI `prevResult` alone.
 * Either `hostVeth` or both `podNamespace` and `podName` must be given.
 */
export interface PodTeardownInput {
  mode: EnforcingMode;
  ifName: string;
  podNamespace?: string;
  podName?: string;
  vethPrefix?: string;
  /** The host veth's name, when known (e.g. from `prevResult`); else derived from the pod. */
  hostVeth?: string;
  mtu?: number;
  trunkLink?: string;
  /**
   * `privateIp` may be absent when it cannot be recovered (DEL without `prevResult` of a strict
   * mode pod whose veth is gone): the rules naming pod addresses are then not in the plan.
   */
  branch: Pick<BranchAttachment, 'vlanId'> &
    Partial<
      Pick<BranchAttachment, 'privateIp' | 'ipv6Addr' | 'ifAddress' | 'subnetCidr' | 'subnetV6Cidr'>
    >;
}
