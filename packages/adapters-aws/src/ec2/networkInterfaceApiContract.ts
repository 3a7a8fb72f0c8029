import { afterEach, describe, expect, it } from 'vitest';
import { AllocatorError, clusterTagKey } from '@podsg/allocator';
import type { AllocatorErrorKind, NetworkInterfaceApi } from '@podsg/allocator';
import { FakeEc2, VirtualClock } from '@podsg/adapters-fake';
import type { FakeEc2Options } from '@podsg/adapters-fake';

/** What one run of the contract drives: the API under test and the model behind it. */
export interface ContractSubject {
  api: NetworkInterfaceApi;
  /** The model the API reaches (directly or over HTTP), for setup and inspection. */
  ec2: FakeEc2;
  clock: VirtualClock;
  close(): Promise<void>;
}

/** Makes a subject over a `FakeEc2` built from `options`. */
export type ContractSubjectFactory = (
  ec2: FakeEc2,
  clock: VirtualClock,
) => Promise<ContractSubject>;

const VPC = 'vpc-0a1b2c3d';
const SUBNET = 'subnet-0a1b2c3d';
const SG_A = 'sg-0123456789abcdef0';
const SG_B = 'sg-0fedcba9876543210';
const CLUSTER = clusterTagKey('demo');

async function failure(
  promise: Promise<unknown>,
): Promise<{ kind: AllocatorErrorKind; code: string | undefined }> {
  try {
    await promise;
  } catch (error) {
    if (AllocatorError.is(error)) return { kind: error.kind, code: error.code };
    throw error;
  }
  throw new Error('expected a rejection');
}

/**
 * The behaviour `NetworkInterfaceApi`'s TSDoc promises, written once: run it against every
 * implementation (the in-memory `FakeEc2`, the EC2 adapter over HTTP) and they must agree on
 * results and error kinds and codes.
 */
export function networkInterfaceApiContract(
  name: string,
  makeSubject: ContractSubjectFactory,
): void {
  describe(`NetworkInterfaceApi contract: ${name}`, () => {
    let open: ContractSubject[] = [];

    async function subject(options: Partial<FakeEc2Options> = {}): Promise<ContractSubject> {
      const clock = new VirtualClock();
      const ec2 = new FakeEc2({
        clock,
        seed: 3,
        vpc: { id: VPC, cidr: '10.0.0.0/16' },
        subnets: [
          { id: SUBNET, cidr: '10.0.0.0/20', ipv6Cidr: '2600:1f14:abc:de00::/64' },
          { id: 'subnet-0000000a', cidr: '10.0.16.0/28' },
        ],
        securityGroups: [SG_A, SG_B, { id: 'sg-00000000000000aaa', vpcId: 'vpc-0ffff' }],
        throttle: false,
        ...options,
      });
      const made = await makeSubject(ec2, clock);
      open.push(made);
      return made;
    }

    afterEach(async () => {
      for (const made of open) await made.close();
      open = [];
    });

    let tokens = 0;
    const branch = (
      overrides: Partial<Parameters<NetworkInterfaceApi['createNetworkInterface']>[0]> = {},
    ) => ({
      subnetId: SUBNET,
      groupIds: [SG_B, SG_A],
      description: 'aws-k8s-branch-eni',
      tags: { [CLUSTER]: 'owned', 'podsg.io/pod-uid': 'uid-1' },
      interfaceType: 'branch' as const,
      clientToken: `token-${++tokens}`,
      ...overrides,
    });

    async function nodeWithTrunk(s: ContractSubject, instanceType = 'c5.4xlarge') {
      const instance = s.ec2.addInstance({ instanceType, subnetId: SUBNET });
      const trunk = await s.api.createNetworkInterface(
        branch({ interfaceType: 'trunk', description: 'aws-k8s-trunk-eni' }),
      );
      const { attachmentId } = await s.api.attachNetworkInterface({
        networkInterfaceId: trunk.networkInterfaceId,
        instanceId: instance.instanceId,
        deviceIndex: 1,
      });
      return { instance, trunk, attachmentId };
    }

    it('describes instances and subnets; unknown ids are NotFound, malformed ones InvalidParameter', async () => {
      const s = await subject({ attachDelayMs: 500 });
      const { instance, trunk, attachmentId } = await nodeWithTrunk(s);
      const attaching = await s.api.describeInstance(instance.instanceId);
      expect(
        attaching.networkInterfaces.map((e) => [e.attachment?.deviceIndex, e.attachment?.status]),
      ).toEqual([
        [0, 'attached'],
        [1, 'attaching'],
      ]);
      await s.clock.advance(500);
      const described = await s.api.describeInstance(instance.instanceId);
      expect(described).toEqual(s.ec2.instances()[0]);
      expect(described.networkInterfaces[1]).toMatchObject({
        networkInterfaceId: trunk.networkInterfaceId,
        interfaceType: 'trunk',
        status: 'in-use',
        attachment: {
          attachmentId,
          instanceId: instance.instanceId,
          status: 'attached',
          deleteOnTermination: false,
        },
      });
      expect(await s.api.describeSubnet(SUBNET)).toEqual({
        subnetId: SUBNET,
        vpcId: VPC,
        cidrBlock: '10.0.0.0/20',
        ipv6CidrBlock: '2600:1f14:abc:de00::/64',
        availableIpAddressCount: 4091 - 2,
      });
      expect(await failure(s.api.describeInstance('i-0000000000000dead'))).toEqual({
        kind: 'NotFound',
        code: 'InvalidInstanceID.NotFound',
      });
      expect(await failure(s.api.describeInstance('instance-1'))).toEqual({
        kind: 'InvalidParameter',
        code: 'InvalidInstanceID.Malformed',
      });
      expect(await failure(s.api.describeSubnet('subnet-0000dead'))).toEqual({
        kind: 'NotFound',
        code: 'InvalidSubnetID.NotFound',
      });
      expect(await failure(s.api.describeSubnet('sub-1'))).toEqual({
        kind: 'InvalidParameter',
        code: 'InvalidSubnetID.Malformed',
      });
    });

    it('creates with tags and a client token: a replay returns the first interface, even after it was deleted', async () => {
      const s = await subject();
      const request = branch();
      const created = await s.api.createNetworkInterface(request);
      expect(created).toMatchObject({
        interfaceType: 'branch',
        status: 'available',
        subnetId: SUBNET,
        vpcId: VPC,
        groupIds: [SG_A, SG_B],
        description: 'aws-k8s-branch-eni',
        tags: { [CLUSTER]: 'owned', 'podsg.io/pod-uid': 'uid-1' },
        privateIpAddress: '10.0.0.4',
        ipv6Address: '2600:1f14:abc:de00::10',
      });
      expect(created).toEqual(s.ec2.interfaces()[0]);
      expect((await s.api.createNetworkInterface(request)).networkInterfaceId).toBe(
        created.networkInterfaceId,
      );
      await s.api.deleteNetworkInterface(created.networkInterfaceId);
      expect((await s.api.createNetworkInterface(request)).networkInterfaceId).toBe(
        created.networkInterfaceId,
      );
      expect(s.ec2.interfaces()).toHaveLength(0);
      expect(
        await failure(s.api.createNetworkInterface({ ...request, description: 'other' })),
      ).toEqual({
        kind: 'InvalidParameter',
        code: 'IdempotentParameterMismatch',
      });
    });

    it('refuses unknown, foreign, malformed and too many groups, and unknown subnets, with EC2 codes', async () => {
      const s = await subject();
      expect(
        await failure(s.api.createNetworkInterface(branch({ groupIds: ['sg-0000000000000dead'] }))),
      ).toEqual({ kind: 'NotFound', code: 'InvalidGroup.NotFound' });
      expect(
        await failure(s.api.createNetworkInterface(branch({ groupIds: ['sg-00000000000000aaa'] }))),
      ).toEqual({ kind: 'NotFound', code: 'InvalidGroup.NotFound' });
      expect(await failure(s.api.createNetworkInterface(branch({ groupIds: ['sg-XYZ'] })))).toEqual(
        { kind: 'InvalidParameter', code: 'InvalidGroupId.Malformed' },
      );
      for (let i = 0; i < 4; i++) s.ec2.addSecurityGroup(`sg-0000000000000000${i}`);
      const six = [SG_A, SG_B, ...[0, 1, 2, 3].map((i) => `sg-0000000000000000${i}`)];
      expect(await failure(s.api.createNetworkInterface(branch({ groupIds: six })))).toEqual({
        kind: 'LimitExceeded',
        code: 'SecurityGroupsPerInterfaceLimitExceeded',
      });
      expect(
        await failure(s.api.createNetworkInterface(branch({ subnetId: 'subnet-0000dead' }))),
      ).toEqual({ kind: 'NotFound', code: 'InvalidSubnetID.NotFound' });
      for (let i = 0; i < 11; i++)
        await s.api.createNetworkInterface(branch({ subnetId: 'subnet-0000000a' }));
      expect(
        await failure(s.api.createNetworkInterface(branch({ subnetId: 'subnet-0000000a' }))),
      ).toEqual({
        kind: 'LimitExceeded',
        code: 'InsufficientFreeAddressesInSubnet',
      });
      expect(s.ec2.interfaces()).toHaveLength(11);
    });

    it('associates branches under unique VLAN ids up to the trunk limit; deleting a branch frees its VLAN', async () => {
      const s = await subject({ attachDelayMs: 0 });
      const { trunk } = await nodeWithTrunk(s, 'm5.large');
      const branches = [];
      for (let i = 0; i < 10; i++) branches.push(await s.api.createNetworkInterface(branch()));
      const associations = [];
      for (let i = 0; i < 9; i++) {
        associations.push(
          await s.api.associateTrunkInterface({
            trunkInterfaceId: trunk.networkInterfaceId,
            branchInterfaceId: branches[i]?.networkInterfaceId ?? '',
            vlanId: 9 - i,
            clientToken: `assoc-${i}`,
          }),
        );
      }
      expect(associations[0]).toMatchObject({
        trunkInterfaceId: trunk.networkInterfaceId,
        vlanId: 9,
      });
      expect(associations[0]?.associationId).toMatch(/^trunk-assoc-/);
      const listed = await s.api.describeTrunkInterfaceAssociations(trunk.networkInterfaceId);
      expect(listed.map((a) => a.vlanId)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
      expect(listed).toEqual([...s.ec2.associations()].sort((a, b) => a.vlanId - b.vlanId));
      const last = branches[9]?.networkInterfaceId ?? '';
      expect(
        await failure(
          s.api.associateTrunkInterface({
            trunkInterfaceId: trunk.networkInterfaceId,
            branchInterfaceId: last,
            vlanId: 3,
            clientToken: 'dup',
          }),
        ),
      ).toEqual({
        kind: 'InvalidParameter',
        code: 'InvalidVlanId.Duplicate',
      });
      expect(
        await failure(
          s.api.associateTrunkInterface({
            trunkInterfaceId: trunk.networkInterfaceId,
            branchInterfaceId: last,
            vlanId: 100,
            clientToken: 'full',
          }),
        ),
      ).toEqual({
        kind: 'LimitExceeded',
        code: 'BranchInterfaceLimitExceeded',
      });
      // A replay of a committed association returns it.
      expect(
        await s.api.associateTrunkInterface({
          trunkInterfaceId: trunk.networkInterfaceId,
          branchInterfaceId: branches[0]?.networkInterfaceId ?? '',
          vlanId: 9,
          clientToken: 'assoc-0',
        }),
      ).toEqual(associations[0]);
      await s.api.deleteNetworkInterface(branches[6]?.networkInterfaceId ?? '');
      const freed = await s.api.associateTrunkInterface({
        trunkInterfaceId: trunk.networkInterfaceId,
        branchInterfaceId: last,
        vlanId: 3,
        clientToken: 'again',
      });
      expect(freed.vlanId).toBe(3);
      const [inUse] = await s.api.listNetworkInterfaces({ networkInterfaceIds: [last] });
      expect(inUse?.status).toBe('in-use');
    });

    it('disassociates idempotently by token; a gone association is NotFound', async () => {
      const s = await subject({ attachDelayMs: 0 });
      const { trunk } = await nodeWithTrunk(s);
      const b = await s.api.createNetworkInterface(branch());
      const association = await s.api.associateTrunkInterface({
        trunkInterfaceId: trunk.networkInterfaceId,
        branchInterfaceId: b.networkInterfaceId,
        vlanId: 1,
        clientToken: 'a',
      });
      await s.api.disassociateTrunkInterface({
        associationId: association.associationId,
        clientToken: 'd',
      });
      await s.api.disassociateTrunkInterface({
        associationId: association.associationId,
        clientToken: 'd',
      });
      expect(
        await failure(
          s.api.disassociateTrunkInterface({
            associationId: association.associationId,
            clientToken: 'd2',
          }),
        ),
      ).toEqual({
        kind: 'NotFound',
        code: 'InvalidAssociationID.NotFound',
      });
      expect(await s.api.describeTrunkInterfaceAssociations(trunk.networkInterfaceId)).toEqual([]);
    });

    it('moves a branch between trunks of a zone: same address and MAC, new VLAN; another zone refuses', async () => {
      const s = await subject({
        attachDelayMs: 0,
        subnets: [
          { id: SUBNET, cidr: '10.0.0.0/20' },
          { id: 'subnet-0000000b', cidr: '10.0.32.0/20', availabilityZone: 'us-east-1b' },
        ],
      });
      const a = await nodeWithTrunk(s);
      const b = await nodeWithTrunk(s);
      const moving = await s.api.createNetworkInterface(branch());
      const first = await s.api.associateTrunkInterface({
        trunkInterfaceId: a.trunk.networkInterfaceId,
        branchInterfaceId: moving.networkInterfaceId,
        vlanId: 4,
        clientToken: 'move-1',
      });
      // Still associated with the first trunk: EC2 refuses a second association.
      expect(
        await failure(
          s.api.associateTrunkInterface({
            trunkInterfaceId: b.trunk.networkInterfaceId,
            branchInterfaceId: moving.networkInterfaceId,
            vlanId: 7,
            clientToken: 'move-early',
          }),
        ),
      ).toEqual({ kind: 'InvalidParameter', code: 'InvalidParameterValue' });
      await s.api.disassociateTrunkInterface({
        associationId: first.associationId,
        clientToken: 'move-d',
      });
      const second = await s.api.associateTrunkInterface({
        trunkInterfaceId: b.trunk.networkInterfaceId,
        branchInterfaceId: moving.networkInterfaceId,
        vlanId: 7,
        clientToken: 'move-2',
      });
      expect(second).toMatchObject({ trunkInterfaceId: b.trunk.networkInterfaceId, vlanId: 7 });
      expect(second.associationId).not.toBe(first.associationId);
      expect(await s.api.describeTrunkInterfaceAssociations(a.trunk.networkInterfaceId)).toEqual(
        [],
      );
      const [moved] = await s.api.listNetworkInterfaces({
        networkInterfaceIds: [moving.networkInterfaceId],
      });
      expect(moved).toMatchObject({
        status: 'in-use',
        macAddress: moving.macAddress,
        privateIpAddress: moving.privateIpAddress,
        groupIds: moving.groupIds,
      });
      // A branch of another zone's subnet cannot join the trunk.
      const elsewhere = await s.api.createNetworkInterface(branch({ subnetId: 'subnet-0000000b' }));
      expect(
        await failure(
          s.api.associateTrunkInterface({
            trunkInterfaceId: b.trunk.networkInterfaceId,
            branchInterfaceId: elsewhere.networkInterfaceId,
            vlanId: 8,
            clientToken: 'move-zone',
          }),
        ),
      ).toEqual({ kind: 'InvalidParameter', code: 'InvalidParameterCombination' });
    });

    it('refuses to delete an attached interface (InUse) and tells gone from malformed ids', async () => {
      const s = await subject({ attachDelayMs: 0 });
      const { trunk } = await nodeWithTrunk(s);
      expect(await failure(s.api.deleteNetworkInterface(trunk.networkInterfaceId))).toEqual({
        kind: 'InvalidParameter',
        code: 'InvalidNetworkInterface.InUse',
      });
      expect(await failure(s.api.deleteNetworkInterface('eni-0000000000000dead'))).toEqual({
        kind: 'NotFound',
        code: 'InvalidNetworkInterfaceID.NotFound',
      });
      expect(await failure(s.api.deleteNetworkInterface('eni-nope'))).toEqual({
        kind: 'InvalidParameter',
        code: 'InvalidNetworkInterfaceID.Malformed',
      });
      expect(
        await failure(
          s.api.attachNetworkInterface({
            networkInterfaceId: trunk.networkInterfaceId,
            instanceId: 'i-0000000000000dead',
            deviceIndex: 2,
          }),
        ),
      ).toEqual({
        kind: 'NotFound',
        code: 'InvalidInstanceID.NotFound',
      });
    });

    it('modifies groups and delete-on-termination, one attribute per request; neither is MissingParameter', async () => {
      const s = await subject({ attachDelayMs: 0 });
      const { trunk, attachmentId } = await nodeWithTrunk(s);
      await s.api.modifyNetworkInterface({
        networkInterfaceId: trunk.networkInterfaceId,
        groupIds: [SG_B],
      });
      await s.api.modifyNetworkInterface({
        networkInterfaceId: trunk.networkInterfaceId,
        attachment: { attachmentId, deleteOnTermination: true },
      });
      const [after] = await s.api.listNetworkInterfaces({
        networkInterfaceIds: [trunk.networkInterfaceId],
      });
      expect(after).toMatchObject({ groupIds: [SG_B], attachment: { deleteOnTermination: true } });
      expect(
        await failure(
          s.api.modifyNetworkInterface({ networkInterfaceId: trunk.networkInterfaceId }),
        ),
      ).toEqual({ kind: 'InvalidParameter', code: 'MissingParameter' });
      const before = s.ec2.callCounts().ModifyNetworkInterfaceAttribute;
      await s.api.modifyNetworkInterface({
        networkInterfaceId: trunk.networkInterfaceId,
        groupIds: [SG_A],
        attachment: { attachmentId, deleteOnTermination: false },
      });
      expect(s.ec2.callCounts().ModifyNetworkInterfaceAttribute).toBe((before ?? 0) + 2);
    });

    it('tags interfaces and lists by tag value, tag key, status, type, subnet and VPC', async () => {
      const s = await subject({ attachDelayMs: 0 });
      const { trunk } = await nodeWithTrunk(s);
      const b = await s.api.createNetworkInterface(branch());
      await s.api.tagNetworkInterface(b.networkInterfaceId, {
        'vpcresources.k8s.aws/vlan-id': '4',
        'podsg.io/pod-uid': 'uid-2',
      });
      const ids = (list: { networkInterfaceId: string }[]) =>
        list.map((e) => e.networkInterfaceId).sort();
      expect(
        ids(await s.api.listNetworkInterfaces({ tags: { 'podsg.io/pod-uid': 'uid-2' } })),
      ).toEqual([b.networkInterfaceId]);
      expect(
        ids(await s.api.listNetworkInterfaces({ tags: { 'vpcresources.k8s.aws/vlan-id': true } })),
      ).toEqual([b.networkInterfaceId]);
      expect(
        ids(await s.api.listNetworkInterfaces({ tags: { [CLUSTER]: 'owned' }, status: 'in-use' })),
      ).toEqual([trunk.networkInterfaceId]);
      expect(
        ids(
          await s.api.listNetworkInterfaces({
            tags: { [CLUSTER]: 'owned' },
            interfaceType: 'branch',
            subnetId: SUBNET,
            vpcId: VPC,
          }),
        ),
      ).toEqual([b.networkInterfaceId]);
      expect(await s.api.listNetworkInterfaces({ vpcId: 'vpc-00000001' })).toEqual([]);
      const [tagged] = await s.api.listNetworkInterfaces({
        networkInterfaceIds: [b.networkInterfaceId, 'eni-0000000000000dead'],
      });
      expect(tagged?.tags).toEqual({
        [CLUSTER]: 'owned',
        'podsg.io/pod-uid': 'uid-2',
        'vpcresources.k8s.aws/vlan-id': '4',
      });
    });

    it('lists a new interface only after it becomes visible (eventual consistency)', async () => {
      const s = await subject({ visibilityDelayMs: 2000 });
      const created = await s.api.createNetworkInterface(branch());
      expect(
        await s.api.listNetworkInterfaces({ networkInterfaceIds: [created.networkInterfaceId] }),
      ).toEqual([]);
      await s.clock.advance(2000);
      expect(
        await s.api.listNetworkInterfaces({ networkInterfaceIds: [created.networkInterfaceId] }),
      ).toEqual([created]);
    });

    it('follows every page and every id chunk: 1,205 interfaces', async () => {
      const s = await subject();
      for (let i = 0; i < 1205; i++) {
        await s.ec2.createNetworkInterface({
          ...branch(),
          tags: { [CLUSTER]: 'owned', n: String(i) },
        });
      }
      const all = await s.api.listNetworkInterfaces({ tags: { [CLUSTER]: 'owned' } });
      expect(all).toHaveLength(1205);
      expect(new Set(all.map((e) => e.networkInterfaceId)).size).toBe(1205);
      const some = all.slice(0, 450).map((e) => e.networkInterfaceId);
      expect(
        (await s.api.listNetworkInterfaces({ networkInterfaceIds: some }))
          .map((e) => e.networkInterfaceId)
          .sort(),
      ).toEqual([...some].sort());
    });

    it('passes throttling, faults lost after the change, and refusals through with their kinds', async () => {
      const s = await subject({
        throttle: { DescribeSubnets: { capacity: 1, refillPerSecond: 0 } },
      });
      await s.api.describeSubnet(SUBNET);
      expect(await failure(s.api.describeSubnet(SUBNET))).toEqual({
        kind: 'Throttled',
        code: 'RequestLimitExceeded',
      });
      s.ec2.setFaults([
        { api: 'CreateNetworkInterface', rate: 1, code: 'InternalError', after: true },
      ]);
      const request = branch();
      expect(await failure(s.api.createNetworkInterface(request))).toEqual({
        kind: 'Transient',
        code: 'InternalError',
      });
      expect(s.ec2.interfaces()).toHaveLength(1);
      s.ec2.setFaults([{ api: 'DeleteNetworkInterface', rate: 1, code: 'UnauthorizedOperation' }]);
      const [made] = s.ec2.interfaces();
      expect(await failure(s.api.deleteNetworkInterface(made?.networkInterfaceId ?? ''))).toEqual({
        kind: 'Unauthorized',
        code: 'UnauthorizedOperation',
      });
      s.ec2.setFaults([]);
      expect((await s.api.createNetworkInterface(request)).networkInterfaceId).toBe(
        made?.networkInterfaceId,
      );
    });
  });
}
