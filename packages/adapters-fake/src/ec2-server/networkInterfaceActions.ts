import type { Instance, NetworkInterface, Subnet, TrunkAssociation } from '@podsg/allocator';
import { ec2Error } from '../internal/ec2Error.js';
import type { Ec2ActionContext, Ec2ActionHandler } from './Ec2ActionHandler.js';
import { applyFilters, pageOf, refuseIdsWithPaging } from './queryPaging.js';
import type { QueryParams } from './QueryParams.js';
import type { XmlElement } from './renderXml.js';

const INTERFACE_TYPES = ['efa', 'efa-only', 'branch', 'trunk', 'interface'] as const;

function tagSet(tags: Readonly<Record<string, string>>): XmlElement[] {
  return Object.entries(tags).map(([key, value]) => ({ key, value }));
}

/** The zone of a subnet: as the fake's options name it, else the region's first. */
function zoneOf(subnetId: string, context: Ec2ActionContext): string {
  return context.ec2.availabilityZoneOf(subnetId) ?? `${context.region}a`;
}

/** A network interface as EC2's XML describes it. */
function interfaceXml(eni: NetworkInterface, context: Ec2ActionContext): XmlElement {
  const names = context.groupNames();
  const dns = `ip-${eni.privateIpAddress.replace(/\./g, '-')}.${context.region}.compute.internal`;
  return {
    networkInterfaceId: eni.networkInterfaceId,
    subnetId: eni.subnetId,
    vpcId: eni.vpcId,
    availabilityZone: zoneOf(eni.subnetId, context),
    description: eni.description,
    ownerId: context.ec2.accountId,
    requesterManaged: false,
    status: eni.status,
    macAddress: eni.macAddress,
    privateIpAddress: eni.privateIpAddress,
    privateDnsName: dns,
    sourceDestCheck: true,
    groupSet: eni.groupIds.map((groupId) => ({
      groupId,
      groupName: names.get(groupId) ?? groupId,
    })),
    attachment:
      eni.attachment === undefined
        ? undefined
        : {
            attachmentId: eni.attachment.attachmentId,
            instanceId: eni.attachment.instanceId,
            instanceOwnerId: context.ec2.accountId,
            deviceIndex: eni.attachment.deviceIndex,
            status: eni.attachment.status,
            deleteOnTermination: eni.attachment.deleteOnTermination,
            networkCardIndex: 0,
          },
    tagSet: tagSet(eni.tags),
    privateIpAddressesSet: [
      { privateIpAddress: eni.privateIpAddress, privateDnsName: dns, primary: true },
    ],
    ipv6AddressesSet: eni.ipv6Address === undefined ? [] : [{ ipv6Address: eni.ipv6Address }],
    interfaceType: eni.interfaceType,
  };
}

function associationXml(association: TrunkAssociation): XmlElement {
  return {
    associationId: association.associationId,
    branchInterfaceId: association.branchInterfaceId,
    trunkInterfaceId: association.trunkInterfaceId,
    interfaceProtocol: 'VLAN',
    vlanId: association.vlanId,
    tagSet: [],
  };
}

function instanceXml(instance: Instance, context: Ec2ActionContext): XmlElement {
  const primary = instance.networkInterfaces.find((eni) => eni.attachment?.deviceIndex === 0);
  return {
    instanceId: instance.instanceId,
    instanceType: instance.instanceType,
    instanceState: { code: 16, name: 'running' },
    subnetId: instance.subnetId,
    vpcId: instance.vpcId,
    privateIpAddress: primary?.privateIpAddress,
    placement: { availabilityZone: zoneOf(instance.subnetId, context), tenancy: 'default' },
    networkInterfaceSet: instance.networkInterfaces.map((eni) => {
      const { attachment, ...rest } = interfaceXml(eni, context);
      const attached = attachment as XmlElement | undefined;
      // An instance's interfaces carry their attachment without the instance id.
      return {
        ...rest,
        attachment:
          attached === undefined
            ? undefined
            : { ...attached, instanceId: undefined, instanceOwnerId: undefined },
      };
    }),
  };
}

function subnetXml(subnet: Subnet, context: Ec2ActionContext): XmlElement {
  return {
    subnetId: subnet.subnetId,
    state: 'available',
    vpcId: subnet.vpcId,
    cidrBlock: subnet.cidrBlock,
    ipv6CidrBlockAssociationSet:
      subnet.ipv6CidrBlock === undefined
        ? []
        : [
            {
              ipv6CidrBlock: subnet.ipv6CidrBlock,
              associationId: `subnet-cidr-assoc-${subnet.subnetId.slice(7)}`,
              ipv6CidrBlockState: { state: 'associated' },
            },
          ],
    availableIpAddressCount: subnet.availableIpAddressCount,
    availabilityZone: zoneOf(subnet.subnetId, context),
    ownerId: context.ec2.accountId,
  };
}

/** `TagSpecification.N` of one resource type → tags; another type is refused. */
export function tagSpecifications(
  params: QueryParams,
  resourceType: string,
): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const spec of params.structures('TagSpecification')) {
    const type = spec.required('ResourceType');
    if (type !== resourceType) {
      throw ec2Error(
        'InvalidParameterValue',
        `'${type}' is not a valid taggable resource type for this operation (expecting ${resourceType}).`,
      );
    }
    for (const { key, value } of spec.tags()) tags[key] = value ?? '';
  }
  return tags;
}

const describeNetworkInterfaces: Ec2ActionHandler = async (context) => {
  const { params } = context;
  const ids = params.list('NetworkInterfaceId');
  refuseIdsWithPaging(params, ids, 'NetworkInterfaceId');
  const filters = params.filters();
  const found = await context.ec2.listNetworkInterfaces(
    ids.length > 0 ? { networkInterfaceIds: ids } : {},
  );
  for (const id of ids) {
    if (!found.some((eni) => eni.networkInterfaceId === id)) {
      if (!/^eni-[0-9a-f]{8}(?:[0-9a-f]{9})?$/.test(id)) {
        throw ec2Error(
          'InvalidNetworkInterfaceID.Malformed',
          `Invalid id: "${id}" (expecting "eni-...")`,
        );
      }
      throw ec2Error(
        'InvalidNetworkInterfaceID.NotFound',
        `The networkInterface ID '${id}' does not exist`,
      );
    }
  }
  const matching = applyFilters(
    found,
    filters,
    {
      'network-interface-id': (e) => [e.networkInterfaceId],
      'subnet-id': (e) => [e.subnetId],
      'vpc-id': (e) => [e.vpcId],
      status: (e) => [e.status],
      'interface-type': (e) => [e.interfaceType],
      description: (e) => [e.description],
      'mac-address': (e) => [e.macAddress],
      'private-ip-address': (e) => [e.privateIpAddress],
      'addresses.private-ip-address': (e) => [e.privateIpAddress],
      'ipv6-addresses.ipv6-address': (e) => (e.ipv6Address === undefined ? [] : [e.ipv6Address]),
      'group-id': (e) => e.groupIds,
      'owner-id': () => [context.ec2.accountId],
      'availability-zone': (e) => [zoneOf(e.subnetId, context)],
      'attachment.instance-id': (e) =>
        e.attachment === undefined ? [] : [e.attachment.instanceId],
      'attachment.attachment-id': (e) =>
        e.attachment === undefined ? [] : [e.attachment.attachmentId],
      'attachment.status': (e) => (e.attachment === undefined ? [] : [e.attachment.status]),
      'attachment.device-index': (e) =>
        e.attachment === undefined ? [] : [String(e.attachment.deviceIndex)],
    },
    (e) => e.tags,
  );
  const { page, nextToken } = pageOf(matching, (e) => e.networkInterfaceId, params, {
    action: 'DescribeNetworkInterfaces',
    min: 5,
    max: 1000,
  });
  return { networkInterfaceSet: page.map((eni) => interfaceXml(eni, context)), nextToken };
};

const describeInstances: Ec2ActionHandler = async (context) => {
  const { params, ec2 } = context;
  const ids = params.list('InstanceId');
  refuseIdsWithPaging(params, ids, 'InstanceId');
  const filters = params.filters();
  const instances: Instance[] = [];
  if (ids.length === 0) instances.push(...ec2.instances());
  else for (const id of new Set(ids)) instances.push(await ec2.describeInstance(id));
  const matching = applyFilters(instances, filters, {
    'instance-id': (i) => [i.instanceId],
    'instance-type': (i) => [i.instanceType],
    'subnet-id': (i) => [i.subnetId],
    'vpc-id': (i) => [i.vpcId],
    'instance-state-name': () => ['running'],
    'network-interface.network-interface-id': (i) =>
      i.networkInterfaces.map((e) => e.networkInterfaceId),
  });
  const { page, nextToken } = pageOf(matching, (i) => i.instanceId, params, {
    action: 'DescribeInstances',
    min: 5,
    max: 1000,
  });
  return {
    reservationSet: page.map((instance) => ({
      reservationId: `r-${instance.instanceId.slice(2)}`,
      ownerId: ec2.accountId,
      groupSet: [],
      instancesSet: [instanceXml(instance, context)],
    })),
    nextToken,
  };
};

const describeSubnets: Ec2ActionHandler = async (context) => {
  const { params, ec2 } = context;
  const ids = params.list('SubnetId');
  refuseIdsWithPaging(params, ids, 'SubnetId');
  const filters = params.filters();
  const subnets: Subnet[] = [];
  if (ids.length === 0) subnets.push(...ec2.subnets());
  else for (const id of new Set(ids)) subnets.push(await ec2.describeSubnet(id));
  const matching = applyFilters(subnets, filters, {
    'subnet-id': (s) => [s.subnetId],
    'vpc-id': (s) => [s.vpcId],
    'cidr-block': (s) => [s.cidrBlock],
    state: () => ['available'],
  });
  const { page, nextToken } = pageOf(matching, (s) => s.subnetId, params, {
    action: 'DescribeSubnets',
    min: 5,
    max: 1000,
  });
  return { subnetSet: page.map((subnet) => subnetXml(subnet, context)), nextToken };
};

const createNetworkInterface: Ec2ActionHandler = async (context) => {
  const { params } = context;
  const subnetId = params.required('SubnetId');
  const interfaceType = params.oneOf('InterfaceType', INTERFACE_TYPES);
  if (interfaceType !== 'trunk' && interfaceType !== 'branch') {
    throw ec2Error(
      'InvalidParameterValue',
      `Value (${interfaceType ?? 'none'}) for parameter InterfaceType is not supported by this emulator: it creates trunk and branch interfaces`,
    );
  }
  const clientToken = params.string('ClientToken') ?? context.newClientToken();
  const eni = await context.ec2.createNetworkInterface({
    subnetId,
    groupIds: params.list('SecurityGroupId'),
    description: params.string('Description') ?? '',
    tags: tagSpecifications(params, 'network-interface'),
    interfaceType,
    clientToken,
  });
  return { networkInterface: interfaceXml(eni, context), clientToken };
};

const attachNetworkInterface: Ec2ActionHandler = async ({ params, ec2 }) => {
  const networkCardIndex = params.integer('NetworkCardIndex', 0, 0);
  const deviceIndex = params.integer('DeviceIndex', 0, 2 ** 31 - 1);
  if (deviceIndex === undefined) {
    throw ec2Error('MissingParameter', 'The request must contain the parameter DeviceIndex');
  }
  const { attachmentId } = await ec2.attachNetworkInterface({
    networkInterfaceId: params.required('NetworkInterfaceId'),
    instanceId: params.required('InstanceId'),
    deviceIndex,
  });
  return { attachmentId, networkCardIndex: networkCardIndex ?? 0 };
};

const modifyNetworkInterfaceAttribute: Ec2ActionHandler = async ({ params, ec2 }) => {
  const networkInterfaceId = params.required('NetworkInterfaceId');
  const groupIds = params.list('SecurityGroupId');
  const attachmentId = params.string('Attachment.AttachmentId');
  const deleteOnTermination = params.boolean('Attachment.DeleteOnTermination');
  const others = ['Description.Value', 'SourceDestCheck.Value'].filter(
    (name) => params.string(name) !== undefined,
  );
  const given =
    (groupIds.length > 0 ? 1 : 0) + (attachmentId !== undefined ? 1 : 0) + others.length;
  if (given > 1) {
    throw ec2Error('InvalidParameterCombination', 'Only one attribute may be modified at a time');
  }
  if (others.length > 0) {
    throw ec2Error('UnsupportedOperation', `This emulator does not model ${others.join(', ')}`);
  }
  if (groupIds.length > 0) {
    await ec2.modifyNetworkInterface({ networkInterfaceId, groupIds });
  } else if (attachmentId !== undefined) {
    if (deleteOnTermination === undefined) {
      throw ec2Error(
        'MissingParameter',
        'The request must contain the parameter Attachment.DeleteOnTermination',
      );
    }
    await ec2.modifyNetworkInterface({
      networkInterfaceId,
      attachment: { attachmentId, deleteOnTermination },
    });
  } else {
    // The model refuses it (MissingParameter) after looking the interface up, as EC2 does.
    await ec2.modifyNetworkInterface({ networkInterfaceId });
  }
  return { return: true };
};

function resourceIds(params: QueryParams): string[] {
  const ids = params.list('ResourceId');
  if (ids.length === 0) {
    throw ec2Error('MissingParameter', 'The request must contain the parameter ResourceId');
  }
  for (const id of ids) {
    if (!id.startsWith('eni-') && !id.startsWith('sg-')) {
      throw ec2Error(
        'InvalidID',
        `The ID '${id}' is not valid (this emulator tags network interfaces and security groups)`,
      );
    }
  }
  return ids;
}

const createTags: Ec2ActionHandler = async ({ params, ec2 }) => {
  const ids = resourceIds(params);
  const tags: Record<string, string> = {};
  for (const { key, value } of params.tags()) tags[key] = value ?? '';
  if (Object.keys(tags).length === 0) {
    throw ec2Error('MissingParameter', 'The request must contain the parameter Tag');
  }
  for (const id of ids) {
    if (id.startsWith('sg-')) ec2.tagSecurityGroup(id, tags);
    else await ec2.tagNetworkInterface(id, tags);
  }
  return { return: true };
};

const deleteTags: Ec2ActionHandler = ({ params, ec2 }) => {
  const ids = resourceIds(params);
  const tags = params.tags();
  for (const id of ids) {
    if (id.startsWith('sg-')) ec2.untagSecurityGroup(id, tags);
    else ec2.untagNetworkInterface(id, tags);
  }
  return Promise.resolve({ return: true });
};

const associateTrunkInterface: Ec2ActionHandler = async (context) => {
  const { params } = context;
  if (params.string('GreKey') !== undefined) {
    throw ec2Error(
      'InvalidParameterValue',
      'This emulator associates by VLAN only (GreKey is not supported)',
    );
  }
  const vlanId = params.integer('VlanId', -(2 ** 31), 2 ** 31 - 1);
  if (vlanId === undefined)
    throw ec2Error('MissingParameter', 'The request must contain the parameter VlanId');
  const clientToken = params.string('ClientToken') ?? context.newClientToken();
  const association = await context.ec2.associateTrunkInterface({
    trunkInterfaceId: params.required('TrunkInterfaceId'),
    branchInterfaceId: params.required('BranchInterfaceId'),
    vlanId,
    clientToken,
  });
  return { interfaceAssociation: associationXml(association), clientToken };
};

const disassociateTrunkInterface: Ec2ActionHandler = async (context) => {
  const { params } = context;
  const clientToken = params.string('ClientToken') ?? context.newClientToken();
  await context.ec2.disassociateTrunkInterface({
    associationId: params.required('AssociationId'),
    clientToken,
  });
  return { return: true, clientToken };
};

const describeTrunkInterfaceAssociations: Ec2ActionHandler = async ({ params, ec2 }) => {
  const ids = params.list('AssociationId');
  refuseIdsWithPaging(params, ids, 'AssociationId');
  const filters = params.filters();
  const trunkFilter = filters.find(
    (f) => f.name === 'trunk-interface-association.trunk-interface-id',
  );
  const exactTrunks =
    trunkFilter?.values.every((v) => !/[*?\\]/.test(v)) === true ? trunkFilter.values : null;
  const associations: TrunkAssociation[] = [];
  if (exactTrunks !== null) {
    for (const trunkId of new Set(exactTrunks)) {
      associations.push(...(await ec2.describeTrunkInterfaceAssociations(trunkId)));
    }
  } else {
    associations.push(...ec2.associations());
  }
  const matching = applyFilters(
    associations.filter((a) => ids.length === 0 || ids.includes(a.associationId)),
    filters,
    {
      'trunk-interface-association.trunk-interface-id': (a) => [a.trunkInterfaceId],
      'trunk-interface-association.branch-interface-id': (a) => [a.branchInterfaceId],
      'trunk-interface-association.association-id': (a) => [a.associationId],
      'interface-protocol': () => ['VLAN'],
      'vlan-id': (a) => [String(a.vlanId)],
    },
  );
  const { page, nextToken } = pageOf(matching, (a) => a.associationId, params, {
    action: 'DescribeTrunkInterfaceAssociations',
    min: 5,
    max: 255,
  });
  return { interfaceAssociationSet: page.map(associationXml), nextToken };
};

const deleteNetworkInterface: Ec2ActionHandler = async ({ params, ec2 }) => {
  await ec2.deleteNetworkInterface(params.required('NetworkInterfaceId'));
  return { return: true };
};

/** The network interface, instance and subnet actions of the Query front. */
export const NETWORK_INTERFACE_ACTIONS: Readonly<Record<string, Ec2ActionHandler>> = {
  DescribeNetworkInterfaces: describeNetworkInterfaces,
  DescribeInstances: describeInstances,
  DescribeSubnets: describeSubnets,
  CreateNetworkInterface: createNetworkInterface,
  AttachNetworkInterface: attachNetworkInterface,
  ModifyNetworkInterfaceAttribute: modifyNetworkInterfaceAttribute,
  CreateTags: createTags,
  DeleteTags: deleteTags,
  AssociateTrunkInterface: associateTrunkInterface,
  DisassociateTrunkInterface: disassociateTrunkInterface,
  DescribeTrunkInterfaceAssociations: describeTrunkInterfaceAssociations,
  DeleteNetworkInterface: deleteNetworkInterface,
};
