import type { NetworkInterface, Subnet, TrunkAssociation } from '@podsg/allocator';
import { parseCidr, parseIpAddress } from '@podsg/cni';
import { parseSecurityGroups } from '@podsg/policy';
import type { FakeSecurityGroup } from '../models/FakeSecurityGroup.js';
import { compileFabricRuleset } from './compileFabricRuleset.js';
import type { FabricInterface } from './FabricRulesetInput.js';

/** What the fabric reads from the EC2 model (`FakeEc2`'s inspection methods give each). */
export interface FabricModelView {
  readonly interfaces: readonly NetworkInterface[];
  readonly associations: readonly TrunkAssociation[];
  readonly subnets: readonly Subnet[];
  readonly securityGroups: readonly FakeSecurityGroup[];
}

/** An interface whose link ends on a device of the fabric (e.g. a database's veth). */
export interface FabricAttachment {
  readonly interfaceId: string;
  /** The fabric-side device (1–15 characters). */
  readonly device: string;
}

/** One link the fabric terminates: a branch's VLAN on the trunk, or an attachment. */
export interface FabricLink {
  /** The fabric-side device: `vlan<N>` for a branch, the attachment's device otherwise. */
  readonly device: string;
  /** The VLAN id on the trunk, for a branch; null for an attachment. */
  readonly vlanId: number | null;
  readonly interfaceId: string;
  /** The interface's primary IPv4 address, routed as a /32 to `device`. */
  readonly address: string;
  /** Its MAC, kept as a permanent neighbour (as the VPC knows every interface's MAC). */
  readonly macAddress: string;
  /** The subnet's router (its first address), held on `device`, and the subnet's prefix. */
  readonly gateway: string;
  readonly prefixLength: number;
}

/** What the fabric must look like for one state of the model. */
export interface FabricPlan {
  readonly links: readonly FabricLink[];
  /** Every interface of the model with its groups, as enforced. */
  readonly interfaces: readonly FabricInterface[];
  /** The nftables text (`compileFabricRuleset`), replacing the table atomically. */
  readonly ruleset: string;
}

/**
 * The fabric for one state of the EC2 model: a VLAN device per association of `trunkId`
 * (branch MAC, address, subnet router), the attachments' links, and the ruleset enforcing
 * every interface's groups (branches and attachments by device, other interfaces by address).
 * Pure. An association whose branch is gone, or an interface without a known subnet, is left
 * out (EC2 is eventually consistent; the next plan picks it up).
 */
export function planFabric(
  model: FabricModelView,
  trunkId: string | null,
  attachments: readonly FabricAttachment[] = [],
): FabricPlan {
  const byId = new Map(model.interfaces.map((eni) => [eni.networkInterfaceId, eni]));
  const subnets = new Map(model.subnets.map((subnet) => [subnet.subnetId, subnet]));
  const links: FabricLink[] = [];
  const addLink = (eni: NetworkInterface | undefined, device: string, vlanId: number | null) => {
    const subnet = eni === undefined ? undefined : subnets.get(eni.subnetId);
    const cidr = subnet === undefined ? null : parseCidr(subnet.cidrBlock);
    if (eni === undefined || cidr === null || cidr.family !== 4) return;
    links.push({
      device,
      vlanId,
      interfaceId: eni.networkInterfaceId,
      address: eni.privateIpAddress,
      macAddress: eni.macAddress,
      gateway: subnetRouter(cidr.address, cidr.prefixLength),
      prefixLength: cidr.prefixLength,
    });
  };
  for (const association of model.associations) {
    if (association.trunkInterfaceId !== trunkId) continue;
    addLink(
      byId.get(association.branchInterfaceId),
      `vlan${association.vlanId}`,
      association.vlanId,
    );
  }
  for (const attachment of attachments) {
    addLink(byId.get(attachment.interfaceId), attachment.device, null);
  }
  const devices = new Map(links.map((link) => [link.interfaceId, link.device]));
  const interfaces: FabricInterface[] = model.interfaces
    .filter((eni) => parseIpAddress(eni.privateIpAddress) !== null)
    .map((eni) => {
      const device = devices.get(eni.networkInterfaceId);
      return {
        id: eni.networkInterfaceId,
        addresses: [
          eni.privateIpAddress,
          ...(eni.ipv6Address === undefined ? [] : [eni.ipv6Address]),
        ],
        groupIds: [...eni.groupIds],
        ...(device === undefined ? {} : { device }),
      };
    });
  const ruleset = compileFabricRuleset({
    interfaces,
    securityGroups: parseSecurityGroups({ SecurityGroups: model.securityGroups }),
  });
  return { links, interfaces, ruleset };
}

/** The first address of an IPv4 subnet: the VPC's router for it. */
function subnetRouter(network: string, prefixLength: number): string {
  const value = network.split('.').reduce((sum, octet) => sum * 256 + Number(octet), 0);
  const mask = prefixLength === 0 ? 0 : (0xffffffff << (32 - prefixLength)) >>> 0;
  const router = (((value & mask) >>> 0) + 1) >>> 0;
  return [router >>> 24, (router >>> 16) & 255, (router >>> 8) & 255, router & 255].join('.');
}
