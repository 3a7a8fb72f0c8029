import { CniError } from '../errors/CniError.js';
import type { PodNetworkInput, PodTeardownInput } from '../models/PodNetworkInput.js';
import { hostVethName } from './hostVethName.js';
import { firstAddressOfIpv4Subnet, ipv4SubnetContains } from './ipAddress.js';
import {
  requireAddress,
  requireCidr,
  requireLinkName,
  requireMtu,
  requireUnicastMac,
  requireVlanId,
} from './validatePlanInput.js';
import { branchRouteTable, vlanDeviceName } from './vlanDeviceName.js';

/** The pod's gateway inside its namespace (IPv4): link-local, answered by the host veth's MAC. */
export const POD_GATEWAY_V4 = '169.254.1.1';
/** The pod's gateway inside its namespace (IPv6). */
export const POD_GATEWAY_V6 = 'fe80::1';
/** The branch's IPv6 gateway on the VLAN: the VPC router's link-local address. */
export const BRANCH_GATEWAY_V6 = 'fe80:ec2::1';

/** One address family of a pod's wiring. */
export interface FamilyAddressing {
  family: 4 | 6;
  /** The pod's address, canonical, without prefix. */
  podIp: string;
  /** `podIp/32` or `podIp/128`. */
  podHostCidr: string;
  /** The gateway the pod sees (`169.254.1.1` / `fe80::1`). */
  podGateway: string;
  /** The branch's gateway on the VLAN (first subnet address / `fe80:ec2::1`); null in teardown. */
  branchGateway: string | null;
}

/** Names and addresses shared by the wiring and teardown plans, validated. */
export interface PodAddressing {
  ifName: string;
  hostVeth: string;
  vlanDevice: string;
  vlanId: number;
  table: number;
  families: FamilyAddressing[];
}

function hostCidr(family: 4 | 6, ip: string): string {
  return `${ip}/${family === 4 ? 32 : 128}`;
}

/** Validates a wiring input and derives its names and addresses. */
export function podAddressing(input: PodNetworkInput): PodAddressing {
  const vlanId = requireVlanId('branch.vlanId', input.branch.vlanId);
  requireUnicastMac('branch.ifAddress', input.branch.ifAddress);
  requireUnicastMac('hostVethMac', input.hostVethMac);
  requireMtu('mtu', input.mtu);
  requireLinkName('trunkLink', input.trunkLink);
  const podIp = requireAddress('branch.privateIp', input.branch.privateIp, 4);
  const subnet = requireCidr('branch.subnetCidr', input.branch.subnetCidr, 4);
  if (!ipv4SubnetContains(subnet, podIp)) {
    throw new CniError(
      'InvalidPlanInput',
      `branch.privateIp ${JSON.stringify(podIp)} is outside branch.subnetCidr ${input.branch.subnetCidr}`,
    );
  }
  const families: FamilyAddressing[] = [
    {
      family: 4,
      podIp,
      podHostCidr: hostCidr(4, podIp),
      podGateway: POD_GATEWAY_V4,
      branchGateway: firstAddressOfIpv4Subnet(subnet),
    },
  ];
  const { ipv6Addr, subnetV6Cidr } = input.branch;
  if (ipv6Addr !== undefined && ipv6Addr !== '') {
    const podIp6 = requireAddress('branch.ipv6Addr', ipv6Addr, 6);
    if (subnetV6Cidr !== undefined && subnetV6Cidr !== '') {
      requireCidr('branch.subnetV6Cidr', subnetV6Cidr, 6);
    }
    families.push({
      family: 6,
      podIp: podIp6,
      podHostCidr: hostCidr(6, podIp6),
      podGateway: POD_GATEWAY_V6,
      branchGateway: BRANCH_GATEWAY_V6,
    });
  }
  return {
    ifName: requireLinkName('ifName', input.ifName),
    hostVeth: hostVethName(input.mode, input.podNamespace, input.podName, input.vethPrefix),
    vlanDevice: vlanDeviceName(vlanId),
    vlanId,
    table: branchRouteTable(vlanId),
    families,
  };
}

/** Validates a teardown input and derives its names and addresses. */
export function teardownAddressing(input: PodTeardownInput): PodAddressing {
  const vlanId = requireVlanId('branch.vlanId', input.branch.vlanId);
  const families: FamilyAddressing[] = [];
  const { privateIp, ipv6Addr } = input.branch;
  if (privateIp !== undefined && privateIp !== '') {
    const podIp = requireAddress('branch.privateIp', privateIp, 4);
    families.push({
      family: 4,
      podIp,
      podHostCidr: hostCidr(4, podIp),
      podGateway: POD_GATEWAY_V4,
      branchGateway: null,
    });
  }
  if (ipv6Addr !== undefined && ipv6Addr !== '') {
    const podIp6 = requireAddress('branch.ipv6Addr', ipv6Addr, 6);
    families.push({
      family: 6,
      podIp: podIp6,
      podHostCidr: hostCidr(6, podIp6),
      podGateway: POD_GATEWAY_V6,
      branchGateway: null,
    });
  }
  const hostVeth =
    input.hostVeth !== undefined
      ? requireLinkName('hostVeth', input.hostVeth)
      : hostVethName(
          input.mode,
          input.podNamespace ?? '',
          input.podName ?? '',
          input.vethPrefix ?? 'eni',
        );
  return {
    ifName: requireLinkName('ifName', input.ifName),
    hostVeth,
    vlanDevice: vlanDeviceName(vlanId),
    vlanId,
    table: branchRouteTable(vlanId),
    families,
  };
}
