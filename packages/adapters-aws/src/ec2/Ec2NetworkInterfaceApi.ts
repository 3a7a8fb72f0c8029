import { createRequire } from 'node:module';
import {
  AssociateTrunkInterfaceCommand,
  AttachNetworkInterfaceCommand,
  CreateNetworkInterfaceCommand,
  CreateTagsCommand,
  DeleteNetworkInterfaceCommand,
  DescribeInstancesCommand,
  DescribeNetworkInterfacesCommand,
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  DescribeTrunkInterfaceAssociationsCommand,
  DisassociateTrunkInterfaceCommand,
  EC2Client,
  ModifyNetworkInterfaceAttributeCommand,
} from '@aws-sdk/client-ec2';
import type {
  EC2ClientConfig,
  Filter,
  GroupIdentifier,
  InstanceNetworkInterface,
  NetworkInterface as Ec2NetworkInterface,
  SecurityGroup,
  Tag,
  TrunkInterfaceAssociation,
} from '@aws-sdk/client-ec2';
import { AllocatorError, CLUSTER_TAG_VALUE, clusterTagKey } from '@podsg/allocator';
import type {
  Instance,
  NetworkInterface,
  NetworkInterfaceApi,
  NetworkInterfaceAttachment,
  NetworkInterfaceFilter,
  NetworkInterfaceStatus,
  NetworkInterfaceType,
  Subnet,
  TrunkAssociation,
} from '@podsg/allocator';
import { ec2ErrorOf, invalidResponse } from './ec2ErrorOf.js';

const packageJson = createRequire(import.meta.url)('../../package.json') as { version: string };

/** podsg's version, as the user agent suffix `podsg/<version>` carries it. */
export const PODSG_VERSION: string = packageJson.version;

/** EC2 takes at most 200 values per filter. */
const FILTER_VALUES_MAX = 200;
const STATUSES: readonly NetworkInterfaceStatus[] = [
  'available',
  'in-use',
  'attaching',
  'detaching',
  'associated',
];
const ATTACHMENT_STATUSES = ['attaching', 'attached', 'detaching', 'detached'] as const;

/** Options of `Ec2NetworkInterfaceApi`. */
export interface Ec2NetworkInterfaceApiOptions {
  /** AWS region, e.g. `us-west-2`. */
  region: string;
  /** Endpoint override, e.g. a `FakeEc2Server`'s `url` or a VPC endpoint. */
  endpoint?: string;
  /**
   * Credentials or a provider; default the SDK's chain: environment, shared files, the web
   * identity token file of IAM roles for service accounts (`AWS_WEB_IDENTITY_TOKEN_FILE`,
   * `AWS_ROLE_ARN`), container and instance metadata.
   */
  credentials?: EC2ClientConfig['credentials'];
  /** The cluster whose interfaces carry `kubernetes.io/cluster/<clusterName>`. */
  clusterName: string;
  /** Per-request timeout; default 10 000 ms. A timeout is `Transient`. */
  requestTimeoutMs?: number;
  /** Appended to the user agent after `podsg/<version>`, e.g. `my-controller/1.2`. */
  userAgentSuffix?: string;
}

/**
 * The allocator's `NetworkInterfaceApi` on EC2, through `@aws-sdk/client-ec2`.
 *
 * The SDK's own retries are off (`maxAttempts: 1`): the allocator's retry loop owns retries,
 * backoff and throttle accounting, and SDK retries underneath would multiply its attempts and
 * hide throttling from it. Every read is filtered on the EC2 side and follows every page; a
 * `listNetworkInterfaces` filter with no ids, tags, subnet or VPC is scoped to the cluster tag,
 * so no call lists the whole account. Errors are `AllocatorError`s as the port documents
 * (`ec2ErrorOf`), EC2's code in `code`, the request id in the message, the SDK error as `cause`.
 */
export class Ec2NetworkInterfaceApi implements NetworkInterfaceApi {
  /** The SDK client (for `destroy()` or extra calls). */
  readonly client: EC2Client;
  readonly #clusterTag: string;

  constructor(options: Ec2NetworkInterfaceApiOptions) {
    const given: { region: unknown; clusterName: unknown } = options;
    if (typeof given.region !== 'string' || !/^[a-z0-9-]{2,32}$/.test(given.region)) {
      throw new AllocatorError(
        'Invalid',
        `Ec2NetworkInterfaceApi: region '${String(given.region)}' is invalid`,
      );
    }
    if (
      typeof given.clusterName !== 'string' ||
      !/^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/.test(given.clusterName)
    ) {
      throw new AllocatorError(
        'Invalid',
        `Ec2NetworkInterfaceApi: clusterName '${String(given.clusterName)}' is invalid`,
      );
    }
    const timeout = options.requestTimeoutMs ?? 10_000;
    if (!(timeout > 0)) {
      throw new AllocatorError(
        'Invalid',
        `Ec2NetworkInterfaceApi: requestTimeoutMs '${timeout}' must be > 0`,
      );
    }
    this.#clusterTag = clusterTagKey(options.clusterName);
    const userAgent = `podsg/${PODSG_VERSION}`;
    this.client = new EC2Client({
      region: options.region,
      maxAttempts: 1,
      customUserAgent:
        options.userAgentSuffix === undefined
          ? userAgent
          : `${userAgent} ${options.userAgentSuffix}`,
      requestHandler: {
        requestTimeout: timeout,
        connectionTimeout: timeout,
        throwOnRequestTimeout: true,
      },
      ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
      ...(options.credentials === undefined ? {} : { credentials: options.credentials }),
    });
  }

  /** Closes the SDK client's connections. */
  destroy(): void {
    this.client.destroy();
  }

  /** DescribeInstances of one instance. */
  async describeInstance(instanceId: string): Promise<Instance> {
    const action = 'DescribeInstances';
    const reply = await this.#send(action, () =>
      this.client.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] })),
    );
    const instance = reply.Reservations?.flatMap((r) => r.Instances ?? []).find(
      (i) => i.InstanceId === instanceId,
    );
    if (instance === undefined) {
      throw new AllocatorError('NotFound', `EC2 ${action}: instance ${instanceId} does not exist`, {
        code: 'InvalidInstanceID.NotFound',
      });
    }
    return {
      instanceId,
      instanceType: text(action, 'instanceType', instance.InstanceType),
      subnetId: text(action, 'subnetId', instance.SubnetId),
      vpcId: text(action, 'vpcId', instance.VpcId),
      networkInterfaces: (instance.NetworkInterfaces ?? [])
        .map((eni) => interfaceOf(action, eni, instanceId))
        .sort((a, b) => (a.attachment?.deviceIndex ?? 0) - (b.attachment?.deviceIndex ?? 0)),
    };
  }

  /** DescribeSubnets of one subnet. */
  async describeSubnet(subnetId: string): Promise<Subnet> {
    const action = 'DescribeSubnets';
    const reply = await this.#send(action, () =>
      this.client.send(new DescribeSubnetsCommand({ SubnetIds: [subnetId] })),
    );
    const subnet = reply.Subnets?.find((s) => s.SubnetId === subnetId);
    if (subnet === undefined) {
      throw new AllocatorError('NotFound', `EC2 ${action}: subnet ${subnetId} does not exist`, {
        code: 'InvalidSubnetID.NotFound',
      });
    }
    const view: Subnet = {
      subnetId,
      vpcId: text(action, 'vpcId', subnet.VpcId),
      cidrBlock: text(action, 'cidrBlock', subnet.CidrBlock),
      availableIpAddressCount: count(
        action,
        'availableIpAddressCount',
        subnet.AvailableIpAddressCount,
      ),
    };
    const ipv6 = subnet.Ipv6CidrBlockAssociationSet?.find(
      (a) => a.Ipv6CidrBlockState?.State === 'associated',
    )?.Ipv6CidrBlock;
    if (ipv6 !== undefined) view.ipv6CidrBlock = ipv6;
    return view;
  }

  /** CreateNetworkInterface with its tags (TagSpecification) and client token. */
  async createNetworkInterface(request: {
    subnetId: string;
    groupIds: readonly string[];
    description: string;
    tags: Readonly<Record<string, string>>;
    interfaceType: 'trunk' | 'branch';
    clientToken: string;
  }): Promise<NetworkInterface> {
    const action = 'CreateNetworkInterface';
    const tags = tagList(request.tags);
    const reply = await this.#send(action, () =>
      this.client.send(
        new CreateNetworkInterfaceCommand({
          SubnetId: request.subnetId,
          Groups: [...request.groupIds],
          Description: request.description,
          InterfaceType: request.interfaceType,
          ClientToken: request.clientToken,
          ...(tags.length === 0
            ? {}
            : { TagSpecifications: [{ ResourceType: 'network-interface', Tags: tags }] }),
        }),
      ),
    );
    if (reply.NetworkInterface === undefined)
      throw invalidResponse(action, 'networkInterface is missing');
    return interfaceOf(action, reply.NetworkInterface);
  }

  /** AttachNetworkInterface. */
  async attachNetworkInterface(request: {
    networkInterfaceId: string;
    instanceId: string;
    deviceIndex: number;
  }): Promise<{ attachmentId: string }> {
    const action = 'AttachNetworkInterface';
    const reply = await this.#send(action, () =>
      this.client.send(
        new AttachNetworkInterfaceCommand({
          NetworkInterfaceId: request.networkInterfaceId,
          InstanceId: request.instanceId,
          DeviceIndex: request.deviceIndex,
        }),
      ),
    );
    return { attachmentId: text(action, 'attachmentId', reply.AttachmentId) };
  }

  /**
   * ModifyNetworkInterfaceAttribute: groups first, then the attachment, one request each (EC2
   * changes one attribute per request); neither sends a request EC2 refuses (`MissingParameter`).
   */
  async modifyNetworkInterface(request: {
    networkInterfaceId: string;
    groupIds?: readonly string[];
    attachment?: { attachmentId: string; deleteOnTermination: boolean };
  }): Promise<void> {
    const action = 'ModifyNetworkInterfaceAttribute';
    const { networkInterfaceId, groupIds, attachment } = request;
    if (groupIds !== undefined) {
      await this.#send(action, () =>
        this.client.send(
          new ModifyNetworkInterfaceAttributeCommand({
            NetworkInterfaceId: networkInterfaceId,
            Groups: [...groupIds],
          }),
        ),
      );
    }
    if (attachment !== undefined || groupIds === undefined) {
      await this.#send(action, () =>
        this.client.send(
          new ModifyNetworkInterfaceAttributeCommand({
            NetworkInterfaceId: networkInterfaceId,
            ...(attachment === undefined
              ? {}
              : {
                  Attachment: {
                    AttachmentId: attachment.attachmentId,
                    DeleteOnTermination: attachment.deleteOnTermination,
                  },
                }),
          }),
        ),
      );
    }
  }

  /** CreateTags on one interface. */
  async tagNetworkInterface(
    networkInterfaceId: string,
    tags: Readonly<Record<string, string>>,
  ): Promise<void> {
    await this.#send('CreateTags', () =>
      this.client.send(
        new CreateTagsCommand({ Resources: [networkInterfaceId], Tags: tagList(tags) }),
      ),
    );
  }

  /** AssociateTrunkInterface under a VLAN id, idempotent by client token. */
  async associateTrunkInterface(request: {
    trunkInterfaceId: string;
    branchInterfaceId: string;
    vlanId: number;
    clientToken: string;
  }): Promise<TrunkAssociation> {
    const action = 'AssociateTrunkInterface';
    const reply = await this.#send(action, () =>
      this.client.send(
        new AssociateTrunkInterfaceCommand({
          TrunkInterfaceId: request.trunkInterfaceId,
          BranchInterfaceId: request.branchInterfaceId,
          VlanId: request.vlanId,
          ClientToken: request.clientToken,
        }),
      ),
    );
    if (reply.InterfaceAssociation === undefined)
      throw invalidResponse(action, 'interfaceAssociation is missing');
    return associationOf(action, reply.InterfaceAssociation);
  }

  /** DisassociateTrunkInterface, idempotent by client token. */
  async disassociateTrunkInterface(request: {
    associationId: string;
    clientToken: string;
  }): Promise<void> {
    await this.#send('DisassociateTrunkInterface', () =>
      this.client.send(
        new DisassociateTrunkInterfaceCommand({
          AssociationId: request.associationId,
          ClientToken: request.clientToken,
        }),
      ),
    );
  }

  /** DescribeTrunkInterfaceAssociations of one trunk (EKS's filter), every page, by VLAN id. */
  async describeTrunkInterfaceAssociations(trunkInterfaceId: string): Promise<TrunkAssociation[]> {
    const action = 'DescribeTrunkInterfaceAssociations';
    const out: TrunkAssociation[] = [];
    await this.#allPages(
      action,
      (token) =>
        this.client.send(
          new DescribeTrunkInterfaceAssociationsCommand({
            Filters: [
              {
                Name: 'trunk-interface-association.trunk-interface-id',
                Values: [trunkInterfaceId],
              },
            ],
            MaxResults: 255,
            ...nextTokenOf(token),
          }),
        ),
      (reply) => {
        for (const association of reply.InterfaceAssociations ?? [])
          out.push(associationOf(action, association));
      },
    );
    return out.sort((a, b) => a.vlanId - b.vlanId);
  }

  /** DeleteNetworkInterface. */
  async deleteNetworkInterface(networkInterfaceId: string): Promise<void> {
    await this.#send('DeleteNetworkInterface', () =>
      this.client.send(
        new DeleteNetworkInterfaceCommand({ NetworkInterfaceId: networkInterfaceId }),
      ),
    );
  }

  /**
   * DescribeNetworkInterfaces with EC2 filters (`network-interface-id`, `tag:K`, `tag-key`,
   * `status`, `interface-type`, `subnet-id`, `vpc-id`), every page; ids in chunks of 200 (EC2's
   * limit per filter). Without ids, tags, subnet or VPC, the cluster tag scopes the read.
   */
  async listNetworkInterfaces(filter: NetworkInterfaceFilter): Promise<NetworkInterface[]> {
    const action = 'DescribeNetworkInterfaces';
    const filters: Filter[] = [];
    const scoped =
      filter.networkInterfaceIds !== undefined ||
      filter.tags !== undefined ||
      filter.subnetId !== undefined ||
      filter.vpcId !== undefined;
    if (!scoped) filters.push({ Name: `tag:${this.#clusterTag}`, Values: [CLUSTER_TAG_VALUE] });
    for (const [key, value] of Object.entries(filter.tags ?? {})) {
      filters.push(
        value === true
          ? { Name: 'tag-key', Values: [key] }
          : { Name: `tag:${key}`, Values: [value] },
      );
    }
    if (filter.status !== undefined) filters.push({ Name: 'status', Values: [filter.status] });
    if (filter.interfaceType !== undefined)
      filters.push({ Name: 'interface-type', Values: [filter.interfaceType] });
    if (filter.subnetId !== undefined)
      filters.push({ Name: 'subnet-id', Values: [filter.subnetId] });
    if (filter.vpcId !== undefined) filters.push({ Name: 'vpc-id', Values: [filter.vpcId] });
    const idChunks: (string[] | null)[] = [];
    if (filter.networkInterfaceIds === undefined) idChunks.push(null);
    else {
      const ids = [...new Set(filter.networkInterfaceIds)];
      for (let i = 0; i < ids.length; i += FILTER_VALUES_MAX)
        idChunks.push(ids.slice(i, i + FILTER_VALUES_MAX));
    }
    const out: NetworkInterface[] = [];
    for (const chunk of idChunks) {
      const chunkFilters =
        chunk === null ? filters : [...filters, { Name: 'network-interface-id', Values: chunk }];
      for (const eni of await this.#interfacePages(chunkFilters))
        out.push(interfaceOf(action, eni));
    }
    return out;
  }

  /**
   * DescribeSecurityGroups of `groupIds` (filtered by `group-id`, so missing groups are simply
   * absent), every page: id, name and VPC of each group that exists.
   */
  async describeSecurityGroups(
    groupIds: readonly string[],
  ): Promise<{ groupId: string; groupName: string; vpcId: string }[]> {
    return this.#securityGroups([...new Set(groupIds)], undefined);
  }

  /**
   * The groups of `groupIds` that do not exist in `vpcId`, sorted: what a policy naming them
   * must be refused for (an interface in the VPC could never carry them).
   */
  async missingSecurityGroups(vpcId: string, groupIds: readonly string[]): Promise<string[]> {
    const wanted = [...new Set(groupIds)];
    const found = new Set((await this.#securityGroups(wanted, vpcId)).map((g) => g.groupId));
    return wanted.filter((id) => !found.has(id)).sort();
  }

  /**
   * The security groups of `groupIds` with their rules, every page, as `aws ec2
   * describe-security-groups` prints them (`{ SecurityGroups: [...] }`, the SDK's own output
   * shape); missing groups are simply absent.
   */
  async describeSecurityGroupsOutput(
    groupIds: readonly string[],
  ): Promise<{ SecurityGroups: SecurityGroup[] }> {
    return { SecurityGroups: await this.#securityGroupPages([...new Set(groupIds)], undefined) };
  }

  /**
   * The interfaces holding any of `addresses` (filtered by `addresses.private-ip-address`),
   * every page, as `aws ec2 describe-network-interfaces` prints them
   * (`{ NetworkInterfaces: [...] }`, the SDK's own output shape).
   */
  async describeNetworkInterfacesOutput(
    addresses: readonly string[],
  ): Promise<{ NetworkInterfaces: Ec2NetworkInterface[] }> {
    const wanted = [...new Set(addresses)];
    const out: Ec2NetworkInterface[] = [];
    for (let i = 0; i < wanted.length; i += FILTER_VALUES_MAX) {
      const values = wanted.slice(i, i + FILTER_VALUES_MAX);
      out.push(
        ...(await this.#interfacePages([{ Name: 'addresses.private-ip-address', Values: values }])),
      );
    }
    return { NetworkInterfaces: out };
  }

  async #securityGroups(
    groupIds: readonly string[],
    vpcId: string | undefined,
  ): Promise<{ groupId: string; groupName: string; vpcId: string }[]> {
    const action = 'DescribeSecurityGroups';
    return (await this.#securityGroupPages(groupIds, vpcId)).map((group) => ({
      groupId: text(action, 'groupId', group.GroupId),
      groupName: text(action, 'groupName', group.GroupName),
      vpcId: text(action, 'vpcId', group.VpcId),
    }));
  }

  /** DescribeSecurityGroups filtered by `group-id` (chunks of 200) and `vpcId`, every page. */
  async #securityGroupPages(
    groupIds: readonly string[],
    vpcId: string | undefined,
  ): Promise<SecurityGroup[]> {
    const action = 'DescribeSecurityGroups';
    const out: SecurityGroup[] = [];
    for (let i = 0; i < groupIds.length; i += FILTER_VALUES_MAX) {
      const filters: Filter[] = [
        { Name: 'group-id', Values: groupIds.slice(i, i + FILTER_VALUES_MAX) },
      ];
      if (vpcId !== undefined) filters.push({ Name: 'vpc-id', Values: [vpcId] });
      await this.#allPages(
        action,
        (token) =>
          this.client.send(
            new DescribeSecurityGroupsCommand({
              Filters: filters,
              MaxResults: 1000,
              ...nextTokenOf(token),
            }),
          ),
        (reply) => out.push(...(reply.SecurityGroups ?? [])),
      );
    }
    return out;
  }

  /** DescribeNetworkInterfaces with `filters`, every page, as the SDK returns them. */
  async #interfacePages(filters: Filter[]): Promise<Ec2NetworkInterface[]> {
    const out: Ec2NetworkInterface[] = [];
    await this.#allPages(
      'DescribeNetworkInterfaces',
      (token) =>
        this.client.send(
          new DescribeNetworkInterfacesCommand({
            Filters: filters,
            MaxResults: 1000,
            ...nextTokenOf(token),
          }),
        ),
      (reply) => out.push(...(reply.NetworkInterfaces ?? [])),
    );
    return out;
  }

  /**
   * Every page of a describe call: `fetch` sends one request for a page token, `take` reads
   * its reply. A NextToken that repeats the previous one is an invalid response, not a loop.
   */
  async #allPages<Reply extends { NextToken?: string | undefined }>(
    action: string,
    fetch: (nextToken: string | undefined) => Promise<Reply>,
    take: (reply: Reply) => void,
  ): Promise<void> {
    let nextToken: string | undefined;
    do {
      const token = nextToken;
      const reply = await this.#send(action, () => fetch(token));
      take(reply);
      nextToken = pageToken(action, reply.NextToken, token);
    } while (nextToken !== undefined);
  }

  async #send<T>(action: string, request: () => Promise<T>): Promise<T> {
    try {
      return await request();
    } catch (error) {
      throw ec2ErrorOf(action, error);
    }
  }
}

/** The next page's token; the same token again would loop forever, so it is refused. */
function nextTokenOf(token: string | undefined): { NextToken?: string } {
  return token === undefined ? {} : { NextToken: token };
}

function pageToken(
  action: string,
  next: string | undefined,
  previous: string | undefined,
): string | undefined {
  if (next === undefined || next === '') return undefined;
  if (next === previous) throw invalidResponse(action, 'nextToken repeats the previous page');
  return next;
}

function text(action: string, field: string, value: string | undefined): string {
  if (typeof value !== 'string' || value === '')
    throw invalidResponse(action, `${field} is missing`);
  return value;
}

function count(action: string, field: string, value: number | undefined): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw invalidResponse(action, `${field} is missing or not a count`);
  }
  return value;
}

function tagList(tags: Readonly<Record<string, string>>): Tag[] {
  return Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
}

function tagsOf(tags: readonly Tag[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const tag of tags ?? []) if (tag.Key !== undefined) out[tag.Key] = tag.Value ?? '';
  return out;
}

function groupIdsOf(action: string, groups: readonly GroupIdentifier[] | undefined): string[] {
  return (groups ?? []).map((g) => text(action, 'groupSet.groupId', g.GroupId)).sort();
}

/**
 * An EC2 interface (of DescribeNetworkInterfaces, CreateNetworkInterface or an instance's
 * `networkInterfaceSet`) as the port's `NetworkInterface`. An interface type podsg does not
 * manage (EFA, NAT gateway …) reads as `interface`; an unknown status is an invalid reply.
 */
function interfaceOf(
  action: string,
  eni: Ec2NetworkInterface | InstanceNetworkInterface,
  instanceId?: string,
): NetworkInterface {
  const id = text(action, 'networkInterfaceId', eni.NetworkInterfaceId);
  const status = eni.Status as string | undefined;
  if (status === undefined || !(STATUSES as readonly string[]).includes(status)) {
    throw invalidResponse(
      action,
      `status '${String(status)}' of ${id} is not one of ${STATUSES.join(', ')}`,
    );
  }
  const type = eni.InterfaceType;
  const interfaceType: NetworkInterfaceType =
    type === 'trunk' || type === 'branch' ? type : 'interface';
  const view: NetworkInterface = {
    networkInterfaceId: id,
    interfaceType,
    status: status as NetworkInterfaceStatus,
    subnetId: text(action, 'subnetId', eni.SubnetId),
    vpcId: text(action, 'vpcId', eni.VpcId),
    macAddress: text(action, 'macAddress', eni.MacAddress),
    privateIpAddress: text(action, 'privateIpAddress', eni.PrivateIpAddress),
    groupIds: groupIdsOf(action, eni.Groups),
    description: eni.Description ?? '',
    tags: 'TagSet' in eni ? tagsOf(eni.TagSet) : {},
  };
  const ipv6 = eni.Ipv6Addresses?.[0]?.Ipv6Address;
  if (ipv6 !== undefined) view.ipv6Address = ipv6;
  const attachment = eni.Attachment;
  if (attachment !== undefined) {
    const attachmentStatus = attachment.Status as string | undefined;
    if (!(ATTACHMENT_STATUSES as readonly string[]).includes(attachmentStatus ?? '')) {
      throw invalidResponse(
        action,
        `attachment status '${String(attachmentStatus)}' of ${id} is unknown`,
      );
    }
    const owner = 'InstanceId' in attachment ? attachment.InstanceId : instanceId;
    const deviceIndex = attachment.DeviceIndex;
    if (typeof deviceIndex !== 'number')
      throw invalidResponse(action, `attachment.deviceIndex of ${id} is missing`);
    const view2: NetworkInterfaceAttachment = {
      attachmentId: text(action, 'attachment.attachmentId', attachment.AttachmentId),
      instanceId: text(action, 'attachment.instanceId', owner),
      deviceIndex,
      status: attachmentStatus as NetworkInterfaceAttachment['status'],
      deleteOnTermination: attachment.DeleteOnTermination === true,
    };
    view.attachment = view2;
  }
  return view;
}

function associationOf(action: string, association: TrunkInterfaceAssociation): TrunkAssociation {
  const vlanId = association.VlanId;
  if (typeof vlanId !== 'number' || !Number.isInteger(vlanId))
    throw invalidResponse(action, 'vlanId is missing');
  return {
    associationId: text(action, 'associationId', association.AssociationId),
    trunkInterfaceId: text(action, 'trunkInterfaceId', association.TrunkInterfaceId),
    branchInterfaceId: text(action, 'branchInterfaceId', association.BranchInterfaceId),
    vlanId,
  };
}
