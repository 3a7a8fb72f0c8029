import {
  AllocatorError,
  EC2_API_NAMES,
  kindOfEc2Code,
  MUTATING_EC2_APIS,
  TokenBucket,
  type Ec2ApiName,
} from '@podsg/allocator';
import type {
  Clock,
  Instance,
  NetworkInterface,
  NetworkInterfaceApi,
  NetworkInterfaceAttachment,
  NetworkInterfaceFilter,
  NetworkInterfaceType,
  Subnet,
  TrunkAssociation,
} from '@podsg/allocator';
import {
  formatIpv4,
  formatIpv6Value as formatIpv6,
  ipv4BlockContains,
  ipv4BlocksOverlap,
  parseIpv4Cidr,
  parseIpv6Cidr,
} from '@podsg/cni';
import type { Ipv4Block, Ipv6Block } from '@podsg/cni';
import { defaultInstanceLimits } from '../internal/defaultInstanceLimits.js';
import type { Ec2Call } from '../models/Ec2Call.js';
import type {
  Ec2FaultRule,
  Ec2ThrottleRule,
  FakeEc2Options,
  InstanceNetworkLimits,
} from '../models/FakeEc2Options.js';
import { SeededRandom } from './SeededRandom.js';
import { SecurityGroupTable } from '../internal/SecurityGroupTable.js';
import type {
  FakeSecurityGroup,
  FakeSecurityGroupRule,
  IpPermission,
} from '../models/FakeSecurityGroup.js';
import { ec2Error } from '../internal/ec2Error.js';

/**
 * Default buckets: EC2's category buckets for mutating actions (50, 5 s⁻¹) and non-mutating
 * actions (100, 20 s⁻¹), as EC2 documents them. EC2 gives some actions their own bucket; those are in
 * `FakeEc2.documentedThrottle`.
 */
const MUTATING_BUCKET: Ec2ThrottleRule = { capacity: 50, refillPerSecond: 5 };
const DESCRIBE_BUCKET: Ec2ThrottleRule = { capacity: 100, refillPerSecond: 20 };

/**
 * "Request throttling for the Amazon EC2 API": the uncategorized actions that have their own
 * bucket (CreateNetworkInterface, DeleteNetworkInterface, ModifyNetworkInterfaceAttribute 100 /
 * 5 s⁻¹; CreateTags 100 / 10 s⁻¹); the others use their category's bucket.
 */
const DOCUMENTED_THROTTLE: Readonly<Record<Ec2ApiName, Ec2ThrottleRule>> = Object.freeze({
  DescribeInstances: DESCRIBE_BUCKET,
  DescribeSubnets: DESCRIBE_BUCKET,
  CreateNetworkInterface: { capacity: 100, refillPerSecond: 5 },
  AttachNetworkInterface: MUTATING_BUCKET,
  ModifyNetworkInterfaceAttribute: { capacity: 100, refillPerSecond: 5 },
  CreateTags: { capacity: 100, refillPerSecond: 10 },
  AssociateTrunkInterface: MUTATING_BUCKET,
  DisassociateTrunkInterface: MUTATING_BUCKET,
  DescribeTrunkInterfaceAssociations: DESCRIBE_BUCKET,
  DeleteNetworkInterface: { capacity: 100, refillPerSecond: 5 },
  DescribeNetworkInterfaces: DESCRIBE_BUCKET,
});

// EC2's id formats: a prefix and 8 or 17 lowercase hex digits. Instance and subnet ids accept any
// hex length because `addInstance` and the subnet options do (scenarios use short ones).
const GROUP_ID = /^sg-(?:[0-9a-f]{8}|[0-9a-f]{17})$/;
const INTERFACE_ID = /^eni-(?:[0-9a-f]{8}|[0-9a-f]{17})$/;
const INSTANCE_ID = /^i-[0-9a-f]+$/;
const SUBNET_ID = /^subnet-[0-9a-f]+$/;
const ZONE = /^[a-z]{2}(-[a-z]+)+-\d[a-z]$/;
const VLAN_MAX = 4094;
/** EC2's quota of security groups per interface: default 5, adjustable up to 16. */
const GROUPS_PER_INTERFACE_MAX = 16;

interface SubnetRecord {
  id: string;
  vpcId: string;
  cidr: string;
  block: Ipv4Block;
  ipv6Cidr: string | undefined;
  ipv6Block: Ipv6Block | undefined;
  ipv6Next: bigint;
  used: Set<number>;
  cursor: number;
  /** The zone; undefined is the region's first zone. */
  availabilityZone: string | undefined;
}

interface InterfaceRecord {
  id: string;
  interfaceType: NetworkInterfaceType;
  subnetId: string;
  vpcId: string;
  macAddress: string;
  address: number;
  ipv6Address: string | undefined;
  groupIds: string[];
  description: string;
  tags: Record<string, string>;
  attachment: NetworkInterfaceAttachment | null;
  /** For a branch: its association; for a trunk: unused. */
  associationId: string | null;
  visibleAt: number;
}

interface InstanceRecord {
  id: string;
  instanceType: string;
  subnetId: string;
  limits: InstanceNetworkLimits;
}

interface TokenRecord {
  request: string;
  result: NetworkInterface | TrunkAssociation | null;
}

/**
 * An in-memory EC2 region holding one VPC, faithful enough to exercise a controller:
 * subnets hand out addresses and run out, security groups must exist in the VPC, instances
 * have device-index slots capped by their type, trunks take branches under unique VLAN ids up
 * to the type's branch limit, client tokens make create/associate/disassociate idempotent, and
 * misuse gets EC2's error codes (in `AllocatorError.code`).
 *
 * Around the model sit the things that make real EC2 hard: per-API token buckets in clock
 * time (`RequestLimitExceeded`), a seeded latency distribution, seeded fault injection (also
 * after the mutation took effect), and eventual consistency of new interfaces in
 * `listNetworkInterfaces`. Every call is logged for assertions (`calls()`).
 */
export class FakeEc2 implements NetworkInterfaceApi {
  /**
   * EC2's documented bucket of each API (for `throttle`), where it differs from the defaults:
   * CreateNetworkInterface, DeleteNetworkInterface and ModifyNetworkInterfaceAttribute 100 / 5 s⁻¹,
   * CreateTags 100 / 10 s⁻¹.
   */
  static readonly documentedThrottle: Readonly<Record<Ec2ApiName, Ec2ThrottleRule>> =
    DOCUMENTED_THROTTLE;

  readonly #clock: Clock;
  readonly #vpcId: string;
  readonly #subnetRecords = new Map<string, SubnetRecord>();
  readonly #securityGroupTable: SecurityGroupTable;
  readonly #interfaceRecords = new Map<string, InterfaceRecord>();
  readonly #instanceRecords = new Map<string, InstanceRecord>();
  readonly #associationRecords = new Map<string, TrunkAssociation>();
  /** instance id → interfaces attached to it (kept in step with `attachment`). */
  readonly #instanceInterfaces = new Map<string, Set<InterfaceRecord>>();
  /** trunk id → VLAN id → association id. */
  readonly #trunkVlans = new Map<string, Map<number, string>>();
  readonly #tokens = new Map<string, TokenRecord>();
  readonly #macs = new Set<string>();
  readonly #ids = new Set<string>();
  readonly #buckets = new Map<Ec2ApiName, TokenBucket>();
  readonly #callLog: Ec2Call[] = [];
  #faultRules: readonly Ec2FaultRule[];
  readonly #idRandom: SeededRandom;
  readonly #groupRandom: SeededRandom;
  readonly #latencyRandom: SeededRandom;
  readonly #faultRandom: SeededRandom;
  readonly #latency: { min: number; max: number };
  readonly #visibilityDelayMs: number;
  readonly #attachDelayMs: number;
  readonly #interfaceQuota: number;
  readonly #groupsPerInterface: number;
  readonly #limitsOf: (instanceType: string) => InstanceNetworkLimits | undefined;

  constructor(options: FakeEc2Options) {
    this.#clock = options.clock;
    const seed = options.seed ?? 1;
    const root = new SeededRandom(seed);
    this.#idRandom = root.fork('ids');
    this.#latencyRandom = root.fork('latency');
    this.#faultRandom = root.fork('faults');

    const vpcBlock = parseIpv4Cidr(options.vpc.cidr);
    if (vpcBlock === null) throw invalidOption('vpc.cidr', options.vpc.cidr);
    if (!/^vpc-[0-9a-f]+$/.test(options.vpc.id)) throw invalidOption('vpc.id', options.vpc.id);
    this.#vpcId = options.vpc.id;

    options.subnets.forEach((spec, index) => {
      const block = parseIpv4Cidr(spec.cidr);
      if (!/^subnet-[0-9a-f]+$/.test(spec.id)) throw invalidOption(`subnets[${index}].id`, spec.id);
      if (
        block === null ||
        block.prefix > 28 ||
        block.prefix < 16 ||
        !ipv4BlockContains(vpcBlock, block)
      ) {
        throw invalidOption(
          `subnets[${index}].cidr`,
          spec.cidr,
          'a /16 … /28 block inside the VPC',
        );
      }
      if (this.#subnetRecords.has(spec.id))
        throw invalidOption(`subnets[${index}].id`, spec.id, 'unique');
      for (const other of this.#subnetRecords.values()) {
        if (ipv4BlocksOverlap(other.block, block)) {
          throw invalidOption(`subnets[${index}].cidr`, spec.cidr, `not overlapping ${other.id}`);
        }
      }
      let ipv6Block: Ipv6Block | undefined;
      if (spec.ipv6Cidr !== undefined) {
        const parsed = parseIpv6Cidr(spec.ipv6Cidr);
        if (parsed === null || parsed.prefix > 64) {
          throw invalidOption(`subnets[${index}].ipv6Cidr`, spec.ipv6Cidr, 'an IPv6 /64 or wider');
        }
        ipv6Block = parsed;
      }
      if (spec.availabilityZone !== undefined && !ZONE.test(spec.availabilityZone)) {
        throw invalidOption(
          `subnets[${index}].availabilityZone`,
          spec.availabilityZone,
          'a zone name such as us-east-1b',
        );
      }
      this.#subnetRecords.set(spec.id, {
        id: spec.id,
        vpcId: this.#vpcId,
        cidr: spec.cidr,
        block,
        ipv6Cidr: spec.ipv6Cidr,
        ipv6Block,
        ipv6Next: 0x10n,
        used: new Set(),
        cursor: 4,
        availabilityZone: spec.availabilityZone,
      });
    });
    // Security groups draw their ids and rule ids from streams of their own, so adding groups
    // never shifts the interface ids a seed gives.
    this.#groupRandom = root.fork('security-groups');
    const rulesPerGroup = options.rulesPerSecurityGroup ?? 60;
    if (!Number.isInteger(rulesPerGroup) || rulesPerGroup < 1 || rulesPerGroup > 1000) {
      throw invalidOption('rulesPerSecurityGroup', String(rulesPerGroup), 'an integer in 1 … 1000');
    }
    const ownerId = options.accountId ?? '123456789012';
    if (!/^\d{12}$/.test(ownerId)) throw invalidOption('accountId', ownerId, '12 digits');
    this.#securityGroupTable = new SecurityGroupTable(
      root.fork('security-group-rules'),
      ownerId,
      rulesPerGroup,
    );
    options.securityGroups.forEach((spec, index) => {
      const id = typeof spec === 'string' ? spec : spec.id;
      const vpcId = typeof spec === 'string' ? this.#vpcId : spec.vpcId;
      if (!GROUP_ID.test(id)) throw invalidOption(`securityGroups[${index}]`, id);
      this.addSecurityGroup(id, vpcId);
    });

    const latency = options.latencyMs ?? { min: 0, max: 0 };
    if (!(latency.min >= 0) || !(latency.max >= latency.min)) {
      throw invalidOption('latencyMs', JSON.stringify(latency), '0 ≤ min ≤ max');
    }
    this.#latency = latency;
    this.#visibilityDelayMs = nonNegative('visibilityDelayMs', options.visibilityDelayMs ?? 0);
    this.#attachDelayMs = nonNegative('attachDelayMs', options.attachDelayMs ?? 500);
    this.#interfaceQuota = nonNegative('interfaceQuota', options.interfaceQuota ?? 5000);
    this.#groupsPerInterface = options.groupsPerInterface ?? 5;
    if (
      !Number.isInteger(this.#groupsPerInterface) ||
      this.#groupsPerInterface < 1 ||
      this.#groupsPerInterface > GROUPS_PER_INTERFACE_MAX
    ) {
      throw invalidOption(
        'groupsPerInterface',
        String(this.#groupsPerInterface),
        `an integer in 1 … ${GROUPS_PER_INTERFACE_MAX}`,
      );
    }
    this.#limitsOf = options.instanceLimits ?? defaultInstanceLimits;
    this.#faultRules = validateFaults(options.faults ?? []);

    if (options.throttle !== false) {
      const overrides = options.throttle ?? {};
      for (const api of EC2_API_NAMES) {
        const rule =
          overrides[api] ?? (MUTATING_EC2_APIS.has(api) ? MUTATING_BUCKET : DESCRIBE_BUCKET);
        if (!(rule.capacity >= 1) || !(rule.refillPerSecond >= 0)) {
          throw invalidOption(`throttle.${api}`, JSON.stringify(rule), 'capacity ≥ 1, refill ≥ 0');
        }
        this.#buckets.set(api, new TokenBucket(rule, this.#clock.now()));
      }
    }
  }

  // ---------------------------------------------------------------- NetworkInterfaceApi

  /** DescribeInstances for one instance. */
  describeInstance(instanceId: string): Promise<Instance> {
    return this.#call('DescribeInstances', () =>
      this.#instanceView(this.#instanceRecord(instanceId)),
    );
  }

  /** DescribeSubnets for one subnet. */
  describeSubnet(subnetId: string): Promise<Subnet> {
    return this.#call('DescribeSubnets', () => this.#subnetView(this.#subnetRecord(subnetId)));
  }

  /** CreateNetworkInterface with tags, idempotent by client token. */
  createNetworkInterface(request: {
    subnetId: string;
    groupIds: readonly string[];
    description: string;
    tags: Readonly<Record<string, string>>;
    interfaceType: 'trunk' | 'branch';
    clientToken: string;
  }): Promise<NetworkInterface> {
    return this.#call('CreateNetworkInterface', () => {
      const token = this.#checkToken('CreateNetworkInterface', request.clientToken, {
        subnetId: request.subnetId,
        groupIds: [...request.groupIds].sort(),
        description: request.description,
        tags: sortedEntries(request.tags),
        interfaceType: request.interfaceType,
      });
      if (token.replay !== null) return this.#replayInterface(token.replay);
      const interfaceType: unknown = request.interfaceType;
      if (interfaceType !== 'trunk' && interfaceType !== 'branch') {
        throw ec2Error(
          'InvalidParameterValue',
          `Value (${String(interfaceType)}) for parameter interfaceType is invalid`,
        );
      }
      const subnet = this.#subnetRecord(request.subnetId);
      const groupIds = this.#checkGroups(request.groupIds, subnet.vpcId);
      checkDescription(request.description);
      checkTags(request.tags);
      if (this.#interfaceRecords.size >= this.#interfaceQuota) {
        throw ec2Error(
          'NetworkInterfaceLimitExceeded',
          `The maximum number of network interfaces (${this.#interfaceQuota}) has been reached`,
        );
      }
      const record = this.#newInterface(
        subnet,
        request.interfaceType,
        groupIds,
        request.description,
        {
          ...request.tags,
        },
      );
      const view = this.#interfaceView(record);
      token.commit(view);
      return view;
    });
  }

  /** AttachNetworkInterface; the attachment completes after `attachDelayMs`. */
  attachNetworkInterface(request: {
    networkInterfaceId: string;
    instanceId: string;
    deviceIndex: number;
  }): Promise<{ attachmentId: string }> {
    return this.#call('AttachNetworkInterface', () => {
      const record = this.#interfaceRecord(request.networkInterfaceId);
      const instance = this.#instanceRecord(request.instanceId);
      if (record.interfaceType === 'branch') {
        throw ec2Error(
          'InvalidParameterValue',
          `Branch network interface ${record.id} cannot be attached to an instance; associate it with a trunk`,
        );
      }
      if (record.attachment !== null || record.associationId !== null) {
        throw ec2Error('InvalidNetworkInterface.InUse', `Interface ${record.id} is in use`);
      }
      if (record.vpcId !== this.#subnetRecord(instance.subnetId).vpcId) {
        throw ec2Error(
          'InvalidParameterCombination',
          `Interface ${record.id} and instance ${instance.id} are in different VPCs`,
        );
      }
      const index = request.deviceIndex;
      if (!Number.isInteger(index) || index < 0) {
        throw ec2Error(
          'InvalidParameterValue',
          `Value (${String(index)}) for parameter deviceIndex is invalid`,
        );
      }
      const attached = this.#attachedTo(instance.id);
      if (index >= instance.limits.interfaces || attached.length >= instance.limits.interfaces) {
        throw ec2Error(
          'AttachmentLimitExceeded',
          `Interface count ${attached.length + 1} exceeds the limit ${instance.limits.interfaces} for ${instance.instanceType}`,
        );
      }
      if (attached.some((other) => other.attachment?.deviceIndex === index)) {
        throw ec2Error(
          'InvalidParameterValue',
          `Instance ${instance.id} already has an interface attached at device index ${index}`,
        );
      }
      if (record.interfaceType === 'trunk') {
        if (!instance.limits.trunkCompatible) {
          throw ec2Error(
            'UnsupportedOperation',
            `Instance type ${instance.instanceType} does not support trunk interfaces`,
          );
        }
        if (attached.some((other) => other.interfaceType === 'trunk')) {
          throw ec2Error(
            'InvalidParameterValue',
            `Instance ${instance.id} already has a trunk interface`,
          );
        }
      }
      const attachment: NetworkInterfaceAttachment = {
        attachmentId: this.#newId('eni-attach-'),
        instanceId: instance.id,
        deviceIndex: index,
        status: 'attaching',
        deleteOnTermination: false,
      };
      this.#setAttachment(record, attachment);
      const complete = (): void => {
        if (record.attachment === attachment && attachment.status === 'attaching') {
          attachment.status = 'attached';
        }
      };
      if (this.#attachDelayMs === 0) complete();
      else void this.#clock.sleep(this.#attachDelayMs).then(complete);
      return { attachmentId: attachment.attachmentId };
    });
  }

  /**
   * ModifyNetworkInterfaceAttribute. EC2 changes one attribute per request, so when both
   * `groupIds` and `attachment` are given this makes two requests, as an adapter over EC2 must:
   * groups first, then the attachment. Each is logged, throttled and may fail on its own; when
   * the second fails, the first has taken effect.
   */
  async modifyNetworkInterface(request: {
    networkInterfaceId: string;
    groupIds?: readonly string[];
    attachment?: { attachmentId: string; deleteOnTermination: boolean };
  }): Promise<void> {
    const { groupIds, attachment } = request;
    if (groupIds !== undefined) {
      await this.#call('ModifyNetworkInterfaceAttribute', () => {
        const record = this.#interfaceRecord(request.networkInterfaceId);
        record.groupIds = this.#checkGroups(groupIds, record.vpcId);
      });
    }
    if (attachment !== undefined || groupIds === undefined) {
      await this.#call('ModifyNetworkInterfaceAttribute', () => {
        const record = this.#interfaceRecord(request.networkInterfaceId);
        if (attachment === undefined) {
          throw ec2Error(
            'MissingParameter',
            'ModifyNetworkInterfaceAttribute needs one attribute: groupIds or attachment',
          );
        }
        if (record.attachment?.attachmentId !== attachment.attachmentId) {
          throw ec2Error(
            'InvalidAttachmentID.NotFound',
            `The attachment ID '${attachment.attachmentId}' does not exist on ${record.id}`,
          );
        }
        record.attachment.deleteOnTermination = attachment.deleteOnTermination;
      });
    }
  }

  /** CreateTags on one interface. */
  tagNetworkInterface(
    networkInterfaceId: string,
    tags: Readonly<Record<string, string>>,
  ): Promise<void> {
    return this.#call('CreateTags', () => {
      const record = this.#interfaceRecord(networkInterfaceId);
      checkTags(tags);
      const merged = { ...record.tags, ...tags };
      if (Object.keys(merged).length > 50) {
        throw ec2Error('TagLimitExceeded', `Interface ${record.id} would have more than 50 tags`);
      }
      record.tags = merged;
    });
  }

  /**
   * DeleteTags on one interface: removes each key, or only when its value is `value` when one
   * is given; keys it does not carry are ignored, as EC2 does. Not throttled (a model driver for
   * the Query front; the controller never deletes tags).
   */
  untagNetworkInterface(
    networkInterfaceId: string,
    tags: readonly { key: string; value?: string | undefined }[],
  ): void {
    const record = this.#interfaceRecord(networkInterfaceId);
    const doomed = (key: string, value: string): boolean =>
      tags.some((tag) => tag.key === key && (tag.value === undefined || tag.value === value));
    record.tags = Object.fromEntries(
      Object.entries(record.tags).filter(([key, value]) => !doomed(key, value)),
    );
  }

  /** AssociateTrunkInterface, idempotent by client token. */
  associateTrunkInterface(request: {
    trunkInterfaceId: string;
    branchInterfaceId: string;
    vlanId: number;
    clientToken: string;
  }): Promise<TrunkAssociation> {
    return this.#call('AssociateTrunkInterface', () => {
      const token = this.#checkToken('AssociateTrunkInterface', request.clientToken, {
        trunk: request.trunkInterfaceId,
        branch: request.branchInterfaceId,
        vlanId: request.vlanId,
      });
      if (token.replay !== null) return { ...(token.replay as TrunkAssociation) };
      const trunk = this.#interfaceRecord(request.trunkInterfaceId);
      const branch = this.#interfaceRecord(request.branchInterfaceId);
      if (trunk.interfaceType !== 'trunk') {
        throw ec2Error('InvalidParameterValue', `Interface ${trunk.id} is not a trunk interface`);
      }
      if (branch.interfaceType !== 'branch') {
        throw ec2Error('InvalidParameterValue', `Interface ${branch.id} is not a branch interface`);
      }
      const vlanId = request.vlanId;
      if (!Number.isInteger(vlanId) || vlanId < 1 || vlanId > VLAN_MAX) {
        throw ec2Error(
          'InvalidParameterValue',
          `Value (${String(vlanId)}) for parameter vlanId is invalid; it must be 1 … ${VLAN_MAX}`,
        );
      }
      if (trunk.vpcId !== branch.vpcId) {
        throw ec2Error(
          'InvalidParameterCombination',
          `Trunk ${trunk.id} and branch ${branch.id} are in different VPCs`,
        );
      }
      // As for attachments: an interface lives in its subnet's zone.
      if (
        this.#subnetRecords.get(trunk.subnetId)?.availabilityZone !==
        this.#subnetRecords.get(branch.subnetId)?.availabilityZone
      ) {
        throw ec2Error(
          'InvalidParameterCombination',
          `You may not associate branch interface ${branch.id} with trunk interface ${trunk.id} ` +
            'if they are not in the same availability zone',
        );
      }
      const instance =
        trunk.attachment === null
          ? undefined
          : this.#instanceRecords.get(trunk.attachment.instanceId);
      if (instance === undefined || trunk.attachment?.status !== 'attached') {
        throw ec2Error(
          'IncorrectState',
          `Trunk interface ${trunk.id} is not attached to an instance`,
        );
      }
      if (branch.associationId !== null) {
        throw ec2Error(
          'InvalidParameterValue',
          `Branch interface ${branch.id} is already associated (${branch.associationId})`,
        );
      }
      const vlans = this.#vlansOf(trunk.id);
      if (vlans.has(vlanId)) {
        throw ec2Error('InvalidVlanId.Duplicate', `VlanId '${vlanId}' is in use`);
      }
      if (vlans.size >= instance.limits.branchInterfaces) {
        throw ec2Error(
          'BranchInterfaceLimitExceeded',
          `Trunk ${trunk.id} on ${instance.instanceType} already has ${vlans.size} branches, the maximum`,
        );
      }
      const association: TrunkAssociation = {
        associationId: this.#newId('trunk-assoc-'),
        trunkInterfaceId: trunk.id,
        branchInterfaceId: branch.id,
        vlanId,
      };
      this.#associationRecords.set(association.associationId, association);
      vlans.set(vlanId, association.associationId);
      branch.associationId = association.associationId;
      token.commit(association);
      return { ...association };
    });
  }

  /** DisassociateTrunkInterface, idempotent by client token. */
  disassociateTrunkInterface(request: {
    associationId: string;
    clientToken: string;
  }): Promise<void> {
    return this.#call('DisassociateTrunkInterface', () => {
      const token = this.#checkToken('DisassociateTrunkInterface', request.clientToken, {
        associationId: request.associationId,
      });
      if (token.replay !== null) return;
      const association = this.#associationRecords.get(request.associationId);
      if (association === undefined) {
        throw ec2Error(
          'InvalidAssociationID.NotFound',
          `The association ID '${request.associationId}' does not exist`,
        );
      }
      this.#removeAssociation(association);
      token.commit(null);
    });
  }

  /** DescribeTrunkInterfaceAssociations of one trunk, by VLAN id. */
  describeTrunkInterfaceAssociations(trunkInterfaceId: string): Promise<TrunkAssociation[]> {
    return this.#call('DescribeTrunkInterfaceAssociations', () =>
      [...this.#vlansOf(trunkInterfaceId, false).values()]
        .map((id) => this.#associationRecords.get(id))
        .filter((a): a is TrunkAssociation => a !== undefined)
        .sort((a, b) => a.vlanId - b.vlanId)
        .map((a) => ({ ...a })),
    );
  }

  /**
   * DeleteNetworkInterface; refuses attached interfaces and trunks with branches. A branch that
   * is associated is deleted with its association, as EC2 does (the resource controller relies
   * on it: it falls back to deleting a branch it could not disassociate).
   */
  deleteNetworkInterface(networkInterfaceId: string): Promise<void> {
    return this.#call('DeleteNetworkInterface', () => {
      const record = this.#interfaceRecord(networkInterfaceId);
      if (record.attachment !== null) {
        throw ec2Error('InvalidNetworkInterface.InUse', `Interface: [${record.id}] in use.`);
      }
      if ((this.#trunkVlans.get(record.id)?.size ?? 0) > 0) {
        throw ec2Error(
          'InvalidNetworkInterface.InUse',
          `Trunk ${record.id} still has branches associated`,
        );
      }
      if (record.associationId !== null) {
        const association = this.#associationRecords.get(record.associationId);
        if (association !== undefined) this.#removeAssociation(association);
      }
      this.#removeInterface(record);
    });
  }

  /** DescribeNetworkInterfaces with filters; new interfaces appear after the visibility delay. */
  listNetworkInterfaces(filter: NetworkInterfaceFilter): Promise<NetworkInterface[]> {
    return this.#call('DescribeNetworkInterfaces', () => {
      const now = this.#clock.now();
      const ids =
        filter.networkInterfaceIds === undefined ? null : new Set(filter.networkInterfaceIds);
      const out: NetworkInterface[] = [];
      for (const record of this.#interfaceRecords.values()) {
        if (record.visibleAt > now) continue;
        if (ids !== null && !ids.has(record.id)) continue;
        if (filter.subnetId !== undefined && record.subnetId !== filter.subnetId) continue;
        if (filter.vpcId !== undefined && record.vpcId !== filter.vpcId) continue;
        if (filter.interfaceType !== undefined && record.interfaceType !== filter.interfaceType)
          continue;
        if (filter.tags !== undefined && !tagsMatch(record.tags, filter.tags)) continue;
        const view = this.#interfaceView(record);
        if (filter.status !== undefined && view.status !== filter.status) continue;
        out.push(view);
      }
      return out;
    });
  }

  // ---------------------------------------------------------------- driving the model

  /**
   * Launches an instance with its primary interface (device index 0, delete on termination,
   * attached at once) in `subnetId`, carrying `groupIds` (default: the first security group).
   * Throws `AllocatorError` `Invalid` for an unknown type, `NotFound`/`LimitExceeded` as EC2.
   */
  addInstance(spec: {
    instanceType: string;
    subnetId: string;
    instanceId?: string;
    groupIds?: readonly string[];
  }): Instance {
    const limits = this.#limitsOf(spec.instanceType);
    if (limits === undefined) {
      throw new AllocatorError(
        'Invalid',
        `addInstance: instanceType '${spec.instanceType}' is unknown`,
      );
    }
    const subnet = this.#subnetRecord(spec.subnetId);
    const firstGroup = this.#securityGroupTable
      .ids()
      .find((id) => this.#securityGroupTable.vpcOf(id) === subnet.vpcId);
    const groups = spec.groupIds ?? (firstGroup === undefined ? [] : [firstGroup]);
    const groupIds = this.#checkGroups(groups, subnet.vpcId);
    const id = spec.instanceId ?? this.#newId('i-');
    if (!/^i-[0-9a-f]+$/.test(id) || this.#instanceRecords.has(id)) {
      throw new AllocatorError('Invalid', `addInstance: instanceId '${id}' is malformed or taken`);
    }
    this.#ids.add(id);
    if (subnet.used.size >= usableAddresses(subnet)) {
      throw ec2Error(
        'InsufficientFreeAddressesInSubnet',
        `Subnet ${subnet.id} has no free address`,
      );
    }
    const instance: InstanceRecord = {
      id,
      instanceType: spec.instanceType,
      subnetId: subnet.id,
      limits,
    };
    this.#instanceRecords.set(id, instance);
    const primary = this.#newInterface(
      subnet,
      'interface',
      groupIds,
      'Primary network interface',
      {},
    );
    primary.visibleAt = this.#clock.now();
    this.#setAttachment(primary, {
      attachmentId: this.#newId('eni-attach-'),
      instanceId: id,
      deviceIndex: 0,
      status: 'attached',
      deleteOnTermination: true,
    });
    return this.#instanceView(instance);
  }

  /**
   * Terminates an instance: a trunk's branches are disassociated (they stay, `available`),
   * attached interfaces with delete-on-termination are deleted, the others detached.
   */
  terminateInstance(instanceId: string): void {
    const instance = this.#instanceRecords.get(instanceId);
    if (instance === undefined) {
      throw new AllocatorError(
        'NotFound',
        `terminateInstance: instance ${instanceId} does not exist`,
        {
          code: 'InvalidInstanceID.NotFound',
        },
      );
    }
    for (const record of this.#attachedTo(instanceId)) {
      for (const associationId of [...this.#vlansOf(record.id, false).values()]) {
        const association = this.#associationRecords.get(associationId);
        if (association !== undefined) this.#removeAssociation(association);
      }
      const deleteIt = record.attachment?.deleteOnTermination === true;
      this.#setAttachment(record, null);
      if (deleteIt) this.#removeInterface(record);
    }
    this.#instanceRecords.delete(instanceId);
    this.#instanceInterfaces.delete(instanceId);
  }

  /**
   * Adds a security group (to the fake's VPC unless `vpcId` is given) named after its id, with
   * EC2's default egress rule. A group that exists is left as it is.
   */
  addSecurityGroup(groupId: string, vpcId: string = this.#vpcId): void {
    if (!GROUP_ID.test(groupId)) throw invalidOption('groupId', groupId);
    if (this.#securityGroupTable.has(groupId)) return;
    this.#securityGroupTable.add({ groupId, groupName: groupId, description: groupId, vpcId });
  }

  /**
   * Removes a security group out of band, without EC2's checks; interfaces that carry it keep
   * it (a model of a group gone underneath the controller). EC2's own action is
   * `removeSecurityGroup`.
   */
  deleteSecurityGroup(groupId: string): boolean {
    return this.#securityGroupTable.forget(groupId);
  }

  // ---------------------------------------------------------------- security group actions

  /**
   * CreateSecurityGroup: a group named `groupName` (unique in its VPC, not `sg-*`, at most 255
   * characters) with EC2's default egress rule, all traffic to 0.0.0.0/0. `vpcId` defaults to
   * the fake's VPC; another VPC must already hold a group (`InvalidVpcID.NotFound`).
   */
  createSecurityGroup(request: {
    groupName: string;
    description: string;
    vpcId?: string;
    tags?: Readonly<Record<string, string>>;
  }): { groupId: string } {
    const vpcId = request.vpcId ?? this.#vpcId;
    const known =
      vpcId === this.#vpcId ||
      this.#securityGroupTable.ids().some((id) => this.#securityGroupTable.vpcOf(id) === vpcId);
    if (!known) throw ec2Error('InvalidVpcID.NotFound', `The vpc ID '${vpcId}' does not exist`);
    this.#securityGroupTable.checkNew(request.groupName, request.description, vpcId);
    if (request.tags !== undefined) checkTags(request.tags);
    let groupId: string;
    do groupId = `sg-${this.#groupRandom.hex(17)}`;
    while (this.#securityGroupTable.has(groupId));
    this.#securityGroupTable.add({
      groupId,
      groupName: request.groupName,
      description: request.description,
      vpcId,
      ...(request.tags === undefined ? {} : { tags: request.tags }),
    });
    return { groupId };
  }

  /**
   * DeleteSecurityGroup as EC2 does it: `DependencyViolation` while an interface carries the
   * group or another group's rule references it; `InvalidGroup.NotFound` when it is gone.
   */
  removeSecurityGroup(groupId: string): void {
    let user: string | undefined;
    for (const record of this.#interfaceRecords.values()) {
      if (record.groupIds.includes(groupId)) {
        user = record.id;
        break;
      }
    }
    this.#securityGroupTable.remove(groupId, user);
  }

  /**
   * AuthorizeSecurityGroupIngress (or Egress with `egress: true`): adds one rule per peer of
   * each permission, all or none. Throws `InvalidPermission.Duplicate`,
   * `RulesPerSecurityGroupLimitExceeded` (default 60 per direction, IPv6 counted apart),
   * `InvalidParameterValue` for bad protocols, ports or CIDRs, `InvalidGroup.NotFound`.
   */
  authorizeSecurityGroupRules(
    groupId: string,
    egress: boolean,
    permissions: readonly IpPermission[],
  ): FakeSecurityGroupRule[] {
    return this.#securityGroupTable.authorize(groupId, egress, permissions);
  }

  /**
   * RevokeSecurityGroupIngress (or Egress): removes the rules matching `permissions` and the
   * rules named by `ruleIds`, all or none (`InvalidPermission.NotFound`).
   */
  revokeSecurityGroupRules(
    groupId: string,
    egress: boolean,
    permissions: readonly IpPermission[],
    ruleIds: readonly string[] = [],
  ): void {
    this.#securityGroupTable.revoke(groupId, egress, permissions, ruleIds);
  }

  /** CreateTags on a security group (not throttled: a driver of the Query front). */
  tagSecurityGroup(groupId: string, tags: Readonly<Record<string, string>>): void {
    checkTags(tags);
    this.#securityGroupTable.retag(groupId, tags, []);
  }

  /** DeleteTags on a security group, as `untagNetworkInterface`. */
  untagSecurityGroup(
    groupId: string,
    tags: readonly { key: string; value?: string | undefined }[],
  ): void {
    this.#securityGroupTable.retag(groupId, {}, tags);
  }

  /**
   * Every security group with its rules, in creation order, in the shape
   * `aws ec2 describe-security-groups` prints (`IpPermissions`, `IpPermissionsEgress`).
   */
  securityGroups(): FakeSecurityGroup[] {
    return this.#securityGroupTable.views();
  }

  /** Every security group rule, in the shape `aws ec2 describe-security-group-rules` prints. */
  securityGroupRules(): FakeSecurityGroupRule[] {
    return this.#securityGroupTable.ruleViews();
  }

  /** Replaces the fault rules (e.g. to stop faults before checking a quiescent state). */
  setFaults(faults: readonly Ec2FaultRule[]): void {
    this.#faultRules = validateFaults(faults);
  }

  // ---------------------------------------------------------------- inspection

  /** Every call so far, in the order the fake processed them. */
  calls(): Ec2Call[] {
    return this.#callLog.map((call) => ({ ...call }));
  }

  /** Calls per API (every outcome), for APIs called at least once. */
  callCounts(outcome?: Ec2Call['outcome']): Partial<Record<Ec2ApiName, number>> {
    const counts: Partial<Record<Ec2ApiName, number>> = {};
    for (const call of this.#callLog) {
      if (outcome !== undefined && call.outcome !== outcome) continue;
      counts[call.api] = (counts[call.api] ?? 0) + 1;
    }
    return counts;
  }

  /** Every interface that exists, visible or not, in creation order. */
  interfaces(): NetworkInterface[] {
    return [...this.#interfaceRecords.values()].map((record) => this.#interfaceView(record));
  }

  /** Every trunk association, in creation order. */
  associations(): TrunkAssociation[] {
    return [...this.#associationRecords.values()].map((a) => ({ ...a }));
  }

  /** Every running instance with its attached interfaces. */
  instances(): Instance[] {
    return [...this.#instanceRecords.values()].map((instance) => this.#instanceView(instance));
  }

  /** Every subnet, as `describeSubnet` reports it, in the order of the options. */
  subnets(): Subnet[] {
    return [...this.#subnetRecords.values()].map((subnet) => this.#subnetView(subnet));
  }

  /** The account that owns the fake's resources (option `accountId`). */
  get accountId(): string {
    return this.#securityGroupTable.ownerId;
  }

  /** The fake's VPC id. */
  get defaultVpcId(): string {
    return this.#vpcId;
  }

  /** A subnet's zone as its options gave it; undefined for the region's first zone (the default). */
  availabilityZoneOf(subnetId: string): string | undefined {
    return this.#subnetRecords.get(subnetId)?.availabilityZone;
  }

  /** Free addresses left in a subnet (what `availableIpAddressCount` reports). */
  subnetFreeAddresses(subnetId: string): number {
    const subnet = this.#subnetRecords.get(subnetId);
    if (subnet === undefined) {
      throw new AllocatorError(
        'NotFound',
        `subnetFreeAddresses: subnet ${subnetId} does not exist`,
      );
    }
    return usableAddresses(subnet) - subnet.used.size;
  }

  // ---------------------------------------------------------------- internals

  async #call<T>(api: Ec2ApiName, operation: () => T): Promise<T> {
    const { min, max } = this.#latency;
    if (max > 0) await this.#clock.sleep(min === max ? min : this.#latencyRandom.uniform(min, max));
    const at = this.#clock.now();
    const bucket = this.#buckets.get(api);
    if (bucket !== undefined && !bucket.tryTake(at)) {
      this.#callLog.push({ api, at, outcome: 'throttled', code: 'RequestLimitExceeded' });
      throw new AllocatorError('Throttled', `${api}: Request limit exceeded.`, {
        code: 'RequestLimitExceeded',
      });
    }
    const fault = this.#drawFault(api);
    const afterEffect = fault !== null && fault.after && MUTATING_EC2_APIS.has(api);
    if (fault !== null && !afterEffect) {
      this.#callLog.push({ api, at, outcome: 'fault', code: fault.code });
      throw faultError(api, fault.code, false);
    }
    let result: T;
    try {
      result = operation();
    } catch (error) {
      this.#callLog.push({
        api,
        at,
        outcome: 'error',
        code: AllocatorError.is(error) ? (error.code ?? error.kind) : 'Unknown',
      });
      throw error;
    }
    if (fault !== null) {
      this.#callLog.push({ api, at, outcome: 'fault', code: fault.code, afterEffect: true });
      throw faultError(api, fault.code, true);
    }
    this.#callLog.push({ api, at, outcome: 'ok' });
    return result;
  }

  #drawFault(api: Ec2ApiName): { code: string; after: boolean } | null {
    for (const rule of this.#faultRules) {
      if (rule.api !== '*' && rule.api !== api) continue;
      if (this.#faultRandom.next() < rule.rate) {
        const code =
          rule.code ?? (this.#faultRandom.next() < 0.5 ? 'InternalError' : 'ServiceUnavailable');
        return { code, after: rule.after === true };
      }
    }
    return null;
  }

  /**
   * Client-token bookkeeping: a token seen before with the same request replays its result;
   * with another request it is `IdempotentParameterMismatch`. `commit` records a success.
   */
  #checkToken(
    api: Ec2ApiName,
    clientToken: string,
    request: unknown,
  ): {
    replay: NetworkInterface | TrunkAssociation | null;
    commit: (result: NetworkInterface | TrunkAssociation | null) => void;
  } {
    if (
      typeof clientToken !== 'string' ||
      clientToken.length === 0 ||
      clientToken.length > 64 ||
      !/^[\x20-\x7e]+$/.test(clientToken)
    ) {
      throw ec2Error(
        'InvalidParameterValue',
        `Value (${clientToken}) for parameter clientToken is invalid: 1 … 64 ASCII characters`,
      );
    }
    const key = `${api}\u0000${clientToken}`;
    const serial = JSON.stringify(request);
    const seen = this.#tokens.get(key);
    if (seen !== undefined) {
      if (seen.request !== serial) {
        throw ec2Error(
          'IdempotentParameterMismatch',
          `Client token ${clientToken} was already used with different parameters for ${api}`,
        );
      }
      // A disassociate replay has no result to return; signal replay with a sentinel object.
      return { replay: seen.result ?? REPLAYED, commit: () => undefined };
    }
    return {
      replay: null,
      commit: (result) => this.#tokens.set(key, { request: serial, result }),
    };
  }

  #replayInterface(snapshot: NetworkInterface | TrunkAssociation): NetworkInterface {
    const original = snapshot as NetworkInterface;
    const record = this.#interfaceRecords.get(original.networkInterfaceId);
    return record === undefined ? structuredClone(original) : this.#interfaceView(record);
  }

  #newInterface(
    subnet: SubnetRecord,
    interfaceType: NetworkInterfaceType,
    groupIds: string[],
    description: string,
    tags: Record<string, string>,
  ): InterfaceRecord {
    const address = allocateAddress(subnet);
    let ipv6Address: string | undefined;
    if (subnet.ipv6Block !== undefined) {
      ipv6Address = formatIpv6(subnet.ipv6Block.base + subnet.ipv6Next);
      subnet.ipv6Next += 1n;
    }
    const record: InterfaceRecord = {
      id: this.#newId('eni-'),
      interfaceType,
      subnetId: subnet.id,
      vpcId: subnet.vpcId,
      macAddress: this.#newMac(),
      address,
      ipv6Address,
      groupIds,
      description,
      tags,
      attachment: null,
      associationId: null,
      visibleAt: this.#clock.now() + this.#visibilityDelayMs,
    };
    this.#interfaceRecords.set(record.id, record);
    return record;
  }

  #removeInterface(record: InterfaceRecord): void {
    this.#interfaceRecords.delete(record.id);
    this.#subnetRecords.get(record.subnetId)?.used.delete(record.address);
    this.#trunkVlans.delete(record.id);
  }

  #removeAssociation(association: TrunkAssociation): void {
    this.#associationRecords.delete(association.associationId);
    this.#trunkVlans.get(association.trunkInterfaceId)?.delete(association.vlanId);
    const branch = this.#interfaceRecords.get(association.branchInterfaceId);
    if (branch?.associationId === association.associationId) branch.associationId = null;
  }

  #vlansOf(trunkId: string, create = true): Map<number, string> {
    let vlans = this.#trunkVlans.get(trunkId);
    if (vlans === undefined) {
      vlans = new Map();
      if (create) this.#trunkVlans.set(trunkId, vlans);
    }
    return vlans;
  }

  #setAttachment(record: InterfaceRecord, attachment: NetworkInterfaceAttachment | null): void {
    if (record.attachment !== null) {
      this.#instanceInterfaces.get(record.attachment.instanceId)?.delete(record);
    }
    record.attachment = attachment;
    if (attachment !== null) {
      let attached = this.#instanceInterfaces.get(attachment.instanceId);
      if (attached === undefined) {
        attached = new Set();
        this.#instanceInterfaces.set(attachment.instanceId, attached);
      }
      attached.add(record);
    }
  }

  #attachedTo(instanceId: string): InterfaceRecord[] {
    return [...(this.#instanceInterfaces.get(instanceId) ?? [])].sort(
      (a, b) => (a.attachment?.deviceIndex ?? 0) - (b.attachment?.deviceIndex ?? 0),
    );
  }

  #checkGroups(groupIds: readonly string[], vpcId: string): string[] {
    const given: unknown = groupIds;
    if (!Array.isArray(given) || groupIds.length === 0) {
      throw ec2Error('MissingParameter', 'At least one security group id is required');
    }
    // EC2 takes a group listed twice once.
    const unique = [...new Set(groupIds)].sort();
    for (const id of unique) {
      if (!GROUP_ID.test(id)) {
        throw ec2Error('InvalidGroupId.Malformed', `Invalid id: "${id}" (expecting "sg-...")`);
      }
    }
    if (unique.length > this.#groupsPerInterface) {
      throw ec2Error(
        'SecurityGroupsPerInterfaceLimitExceeded',
        `${unique.length} security groups exceed the limit of ${this.#groupsPerInterface} per interface`,
      );
    }
    for (const id of unique) {
      const groupVpc = this.#securityGroupTable.vpcOf(id);
      if (groupVpc === undefined) {
        throw ec2Error('InvalidGroup.NotFound', `The security group '${id}' does not exist`);
      }
      if (groupVpc !== vpcId) {
        // EC2 looks groups up in the interface's VPC: one of another VPC is not found there.
        throw ec2Error(
          'InvalidGroup.NotFound',
          `You have specified two resources that belong to different networks (${id} is in ${groupVpc}, not ${vpcId}).`,
        );
      }
    }
    return unique;
  }

  #interfaceRecord(id: string): InterfaceRecord {
    checkId(id, INTERFACE_ID, 'networkInterfaceId', 'InvalidNetworkInterfaceID.Malformed', 'eni-');
    const record = this.#interfaceRecords.get(id);
    if (record === undefined) {
      throw ec2Error(
        'InvalidNetworkInterfaceID.NotFound',
        `The networkInterface ID '${id}' does not exist`,
      );
    }
    return record;
  }

  #instanceRecord(id: string): InstanceRecord {
    checkId(id, INSTANCE_ID, 'instanceId', 'InvalidInstanceID.Malformed', 'i-');
    const record = this.#instanceRecords.get(id);
    if (record === undefined) {
      throw ec2Error('InvalidInstanceID.NotFound', `The instance ID '${id}' does not exist`);
    }
    return record;
  }

  #subnetRecord(id: string): SubnetRecord {
    checkId(id, SUBNET_ID, 'subnetId', 'InvalidSubnetID.Malformed', 'subnet-');
    const record = this.#subnetRecords.get(id);
    if (record === undefined) {
      throw ec2Error('InvalidSubnetID.NotFound', `The subnet ID '${id}' does not exist`);
    }
    return record;
  }

  #interfaceView(record: InterfaceRecord): NetworkInterface {
    const view: NetworkInterface = {
      networkInterfaceId: record.id,
      interfaceType: record.interfaceType,
      status: record.attachment !== null || record.associationId !== null ? 'in-use' : 'available',
      subnetId: record.subnetId,
      vpcId: record.vpcId,
      macAddress: record.macAddress,
      privateIpAddress: formatIpv4(record.address),
      groupIds: [...record.groupIds],
      description: record.description,
      tags: { ...record.tags },
    };
    if (record.ipv6Address !== undefined) view.ipv6Address = record.ipv6Address;
    if (record.attachment !== null) view.attachment = { ...record.attachment };
    return view;
  }

  #instanceView(instance: InstanceRecord): Instance {
    return {
      instanceId: instance.id,
      instanceType: instance.instanceType,
      subnetId: instance.subnetId,
      vpcId: this.#subnetRecord(instance.subnetId).vpcId,
      // EC2's DescribeInstances does not return the tags of an instance's interfaces.
      networkInterfaces: this.#attachedTo(instance.id).map((r) => ({
        ...this.#interfaceView(r),
        tags: {},
      })),
    };
  }

  #subnetView(subnet: SubnetRecord): Subnet {
    const view: Subnet = {
      subnetId: subnet.id,
      vpcId: subnet.vpcId,
      cidrBlock: subnet.cidr,
      availableIpAddressCount: usableAddresses(subnet) - subnet.used.size,
    };
    if (subnet.ipv6Cidr !== undefined) view.ipv6CidrBlock = subnet.ipv6Cidr;
    return view;
  }

  #newId(prefix: string): string {
    for (;;) {
      const id = `${prefix}${this.#idRandom.hex(17)}`;
      if (!this.#ids.has(id)) {
        this.#ids.add(id);
        return id;
      }
    }
  }

  #newMac(): string {
    for (;;) {
      const hex = this.#idRandom.hex(10);
      const mac = `02:${hex.match(/../g)?.join(':') ?? ''}`;
      if (!this.#macs.has(mac)) {
        this.#macs.add(mac);
        return mac;
      }
    }
  }
}

/** A replayed disassociate returns nothing; this marks "seen" without a result. */
const REPLAYED: TrunkAssociation = Object.freeze({
  associationId: '',
  trunkInterfaceId: '',
  branchInterfaceId: '',
  vlanId: 0,
});

/** AWS reserves the first four addresses and the last one of every subnet. */
function usableAddresses(subnet: SubnetRecord): number {
  return subnet.block.size - 5;
}

function allocateAddress(subnet: SubnetRecord): number {
  const size = subnet.block.size;
  if (subnet.used.size >= size - 5) {
    throw ec2Error('InsufficientFreeAddressesInSubnet', `Subnet ${subnet.id} has no free address`);
  }
  // Next free offset after the last one handed out, wrapping round: like EC2, a released
  // address is not handed out again at once.
  for (;;) {
    if (subnet.cursor >= size - 1) subnet.cursor = 4;
    const address = subnet.block.base + subnet.cursor;
    subnet.cursor++;
    if (!subnet.used.has(address)) {
      subnet.used.add(address);
      return address;
    }
  }
}

function tagsMatch(
  tags: Readonly<Record<string, string>>,
  wanted: Readonly<Record<string, string | true>>,
): boolean {
  for (const [key, value] of Object.entries(wanted)) {
    if (!Object.hasOwn(tags, key)) return false;
    if (value !== true && tags[key] !== value) return false;
  }
  return true;
}

function checkTags(tags: Readonly<Record<string, string>>): void {
  const entries = Object.entries(tags);
  if (entries.length > 50)
    throw ec2Error('TagLimitExceeded', `${entries.length} tags exceed the limit of 50`);
  for (const [key, value] of entries) {
    if (key.length === 0 || key.length > 128) {
      throw ec2Error('InvalidParameterValue', `Tag key '${key}' must be 1 … 128 characters`);
    }
    if (key.toLowerCase().startsWith('aws:')) {
      throw ec2Error('InvalidParameterValue', `Tag key '${key}' uses the reserved prefix aws:`);
    }
    if (typeof value !== 'string' || value.length > 256) {
      throw ec2Error(
        'InvalidParameterValue',
        `Tag value of '${key}' must be a string of at most 256 characters`,
      );
    }
  }
}

/**
 * EC2 tells a malformed id (`InvalidParameter`) from a well-formed one that does not exist
 * (`NotFound`); an empty one is a missing parameter.
 */
function checkId(id: string, format: RegExp, field: string, code: string, prefix: string): void {
  const given: unknown = id;
  if (typeof given !== 'string' || id.length === 0) {
    throw ec2Error('MissingParameter', `The request must contain the parameter ${field}`);
  }
  if (!format.test(id)) {
    throw ec2Error(code, `Invalid id: "${id}" (expecting "${prefix}...")`);
  }
}

function checkDescription(description: string): void {
  if (typeof description !== 'string' || description.length > 255) {
    throw ec2Error(
      'InvalidParameterValue',
      'description must be a string of at most 255 characters',
    );
  }
}

function sortedEntries(record: Readonly<Record<string, string>>): [string, string][] {
  return Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

function faultError(api: Ec2ApiName, code: string, afterEffect: boolean): AllocatorError {
  const kind = kindOfEc2Code(code);
  return new AllocatorError(
    kind === 'InvalidParameter' ? 'Transient' : kind,
    `${api}: injected ${code}${afterEffect ? ' (after the request took effect)' : ''}`,
    { code },
  );
}

function invalidOption(field: string, value: string, expected?: string): AllocatorError {
  return new AllocatorError(
    'Invalid',
    `FakeEc2 option ${field}: '${value}' is invalid${expected === undefined ? '' : `; expected ${expected}`}`,
  );
}

function nonNegative(field: string, value: number): number {
  if (!(value >= 0)) throw invalidOption(field, String(value), 'a number ≥ 0');
  return value;
}

function validateFaults(faults: readonly Ec2FaultRule[]): readonly Ec2FaultRule[] {
  faults.forEach((rule, index) => {
    if (rule.api !== '*' && !EC2_API_NAMES.includes(rule.api)) {
      throw invalidOption(
        `faults[${index}].api`,
        rule.api,
        `'*' or one of ${EC2_API_NAMES.join(', ')}`,
      );
    }
    if (!(rule.rate >= 0 && rule.rate <= 1)) {
      throw invalidOption(`faults[${index}].rate`, String(rule.rate), 'a probability in [0, 1]');
    }
  });
  return faults.map((rule) => ({ ...rule }));
}
