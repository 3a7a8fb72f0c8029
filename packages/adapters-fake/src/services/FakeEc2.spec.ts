import { describe, expect, it } from 'vitest';
import { AllocatorError } from '@podsg/allocator';
import type { AllocatorErrorKind } from '@podsg/allocator';
import { FakeEc2 } from './FakeEc2.js';
import { VirtualClock } from './VirtualClock.js';
import type { FakeEc2Options, InstanceNetworkLimits } from '../models/FakeEc2Options.js';

const SG_A = 'sg-0123456789abcdef0';
const SG_B = 'sg-0fedcba9876543210';
const SG_OTHER_VPC = 'sg-00000000000000aaa';
const SUBNET = 'subnet-0a1b2c3d';
const TINY = 'subnet-0000000a';

// The limits the fake enforces, as in the resource controller's table.
const LIMITS: Record<string, InstanceNetworkLimits> = {
  'c5.4xlarge': { interfaces: 8, trunkCompatible: true, branchInterfaces: 54 },
  'm5.large': { interfaces: 3, trunkCompatible: true, branchInterfaces: 9 },
  't3.micro': { interfaces: 2, trunkCompatible: false, branchInterfaces: 0 },
};

function setup(options: Partial<FakeEc2Options> = {}): { ec2: FakeEc2; clock: VirtualClock } {
  const clock = new VirtualClock();
  const ec2 = new FakeEc2({
    clock,
    seed: 7,
    vpc: { id: 'vpc-0a1b2c3d', cidr: '10.0.0.0/16' },
    subnets: [
      { id: SUBNET, cidr: '10.0.0.0/20', ipv6Cidr: '2600:1f14:abc:de00::/64' },
      { id: TINY, cidr: '10.0.16.0/28' },
    ],
    securityGroups: [SG_A, SG_B, { id: SG_OTHER_VPC, vpcId: 'vpc-0ffff' }],
    instanceLimits: (type) => LIMITS[type],
    attachDelayMs: 0,
    ...options,
  });
  return { ec2, clock };
}

let tokens = 0;
const token = (): string => `token-${++tokens}`;

function branchRequest(overrides: Partial<Parameters<FakeEc2['createNetworkInterface']>[0]> = {}) {
  return {
    subnetId: SUBNET,
    groupIds: [SG_B, SG_A],
    description: 'aws-k8s-branch-eni',
    tags: { 'podsg.io/pod-uid': 'uid-1' },
    interfaceType: 'branch' as const,
    clientToken: token(),
    ...overrides,
  };
}

async function rejection(promise: Promise<unknown>): Promise<AllocatorError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof AllocatorError) return error;
    throw error;
  }
  throw new Error('expected a rejection');
}

async function expectEc2Error(
  promise: Promise<unknown>,
  kind: AllocatorErrorKind,
  code: string,
): Promise<void> {
  const error = await rejection(promise);
  expect({ kind: error.kind, code: error.code }).toEqual({ kind, code });
}

/** An instance with a trunk attached at device index 1. */
async function nodeWithTrunk(ec2: FakeEc2, instanceType = 'c5.4xlarge') {
  const instance = ec2.addInstance({ instanceType, subnetId: SUBNET });
  const trunk = await ec2.createNetworkInterface({
    ...branchRequest(),
    interfaceType: 'trunk',
    description: 'aws-k8s-trunk-eni',
  });
  await ec2.attachNetworkInterface({
    networkInterfaceId: trunk.networkInterfaceId,
    instanceId: instance.instanceId,
    deviceIndex: 1,
  });
  return { instance, trunk };
}

describe('FakeEc2 subnets and interfaces', () => {
  it('hands out addresses from the subnet, skipping the four reserved at the start', async () => {
    const { ec2 } = setup();
    const first = await ec2.createNetworkInterface(branchRequest());
    const second = await ec2.createNetworkInterface(branchRequest());
    expect([first.privateIpAddress, second.privateIpAddress]).toEqual(['10.0.0.4', '10.0.0.5']);
    expect(first.ipv6Address).toBe('2600:1f14:abc:de00::10');
    expect(first.groupIds).toEqual([SG_A, SG_B]);
    expect(first.status).toBe('available');
    expect(first.macAddress).toMatch(/^02(:[0-9a-f]{2}){5}$/);
    expect(first.macAddress).not.toBe(second.macAddress);
    expect(first.networkInterfaceId).toMatch(/^eni-[0-9a-f]{17}$/);
  });

  it('runs out of addresses: a /28 holds 11 interfaces (16 − 5 reserved)', async () => {
    const { ec2 } = setup();
    const made: string[] = [];
    for (let i = 0; i < 11; i++) {
      made.push(
        (await ec2.createNetworkInterface(branchRequest({ subnetId: TINY }))).privateIpAddress,
      );
    }
    expect(made[0]).toBe('10.0.16.4');
    expect(made[10]).toBe('10.0.16.14');
    expect(ec2.subnetFreeAddresses(TINY)).toBe(0);
    expect((await ec2.describeSubnet(TINY)).availableIpAddressCount).toBe(0);
    await expectEc2Error(
      ec2.createNetworkInterface(branchRequest({ subnetId: TINY })),
      'LimitExceeded',
      'InsufficientFreeAddressesInSubnet',
    );
  });

  it('frees the address when an interface is deleted', async () => {
    const { ec2 } = setup();
    const eni = await ec2.createNetworkInterface(branchRequest({ subnetId: TINY }));
    expect(ec2.subnetFreeAddresses(TINY)).toBe(10);
    await ec2.deleteNetworkInterface(eni.networkInterfaceId);
    expect(ec2.subnetFreeAddresses(TINY)).toBe(11);
    expect(ec2.interfaces()).toEqual([]);
    await expectEc2Error(
      ec2.deleteNetworkInterface(eni.networkInterfaceId),
      'NotFound',
      'InvalidNetworkInterfaceID.NotFound',
    );
  });

  it('refuses unknown groups, groups of another VPC and unknown subnets', async () => {
    const { ec2 } = setup();
    await expectEc2Error(
      ec2.createNetworkInterface(branchRequest({ groupIds: ['sg-0badbadbadbadbad0'] })),
      'NotFound',
      'InvalidGroup.NotFound',
    );
    // EC2 looks groups up in the subnet's VPC: "two resources that belong to different networks".
    await expectEc2Error(
      ec2.createNetworkInterface(branchRequest({ groupIds: [SG_OTHER_VPC] })),
      'NotFound',
      'InvalidGroup.NotFound',
    );
    await expectEc2Error(
      ec2.createNetworkInterface(branchRequest({ subnetId: 'subnet-0deadbee' })),
      'NotFound',
      'InvalidSubnetID.NotFound',
    );
    expect(ec2.interfaces()).toEqual([]);
    expect(ec2.subnetFreeAddresses(SUBNET)).toBe(4096 - 5);
  });

  it('checks groups on modify and replaces them', async () => {
    const { ec2 } = setup();
    const eni = await ec2.createNetworkInterface(branchRequest({ groupIds: [SG_A] }));
    await expectEc2Error(
      ec2.modifyNetworkInterface({
        networkInterfaceId: eni.networkInterfaceId,
        groupIds: ['sg-0badbadb'],
      }),
      'NotFound',
      'InvalidGroup.NotFound',
    );
    await ec2.modifyNetworkInterface({
      networkInterfaceId: eni.networkInterfaceId,
      groupIds: [SG_B],
    });
    const [after] = await ec2.listNetworkInterfaces({
      networkInterfaceIds: [eni.networkInterfaceId],
    });
    expect(after?.groupIds).toEqual([SG_B]);
  });
});

describe('FakeEc2 instances and attachments', () => {
  it('launches an instance with its primary interface at device index 0', async () => {
    const { ec2 } = setup();
    const instance = ec2.addInstance({
      instanceType: 'm5.large',
      subnetId: SUBNET,
      instanceId: 'i-0123456789abcdef0',
    });
    const described = await ec2.describeInstance('i-0123456789abcdef0');
    expect(described).toEqual(instance);
    expect(described.networkInterfaces).toHaveLength(1);
    expect(described.networkInterfaces[0]).toMatchObject({
      interfaceType: 'interface',
      status: 'in-use',
      groupIds: [SG_A],
      attachment: { deviceIndex: 0, status: 'attached', deleteOnTermination: true },
    });
    await expectEc2Error(
      ec2.describeInstance('i-00000000000000000'),
      'NotFound',
      'InvalidInstanceID.NotFound',
    );
    expect(() => ec2.addInstance({ instanceType: 'z9.huge', subnetId: SUBNET })).toThrow(/z9.huge/);
  });

  it('completes an attachment after the attach delay, in clock time', async () => {
    const { ec2, clock } = setup({ attachDelayMs: 800 });
    const instance = ec2.addInstance({ instanceType: 'c5.4xlarge', subnetId: SUBNET });
    const trunk = await ec2.createNetworkInterface(branchRequest({ interfaceType: 'trunk' }));
    const { attachmentId } = await ec2.attachNetworkInterface({
      networkInterfaceId: trunk.networkInterfaceId,
      instanceId: instance.instanceId,
      deviceIndex: 2,
    });
    const attaching = (await ec2.describeInstance(instance.instanceId)).networkInterfaces[1];
    expect(attaching?.attachment).toMatchObject({
      attachmentId,
      status: 'attaching',
      deviceIndex: 2,
    });
    expect(attaching?.status).toBe('in-use');
    await clock.advance(799);
    expect(
      (await ec2.describeInstance(instance.instanceId)).networkInterfaces[1]?.attachment?.status,
    ).toBe('attaching');
    await clock.advance(1);
    expect(
      (await ec2.describeInstance(instance.instanceId)).networkInterfaces[1]?.attachment?.status,
    ).toBe('attached');
  });

  it('caps device indexes by the instance type and refuses a taken index', async () => {
    const { ec2 } = setup();
    const instance = ec2.addInstance({ instanceType: 'm5.large', subnetId: SUBNET }); // 3 interfaces
    const make = () => ec2.createNetworkInterface(branchRequest({ interfaceType: 'trunk' }));
    const attach = async (deviceIndex: number) =>
      ec2.attachNetworkInterface({
        networkInterfaceId: (await make()).networkInterfaceId,
        instanceId: instance.instanceId,
        deviceIndex,
      });
    await expectEc2Error(attach(0), 'InvalidParameter', 'InvalidParameterValue');
    await expectEc2Error(attach(3), 'LimitExceeded', 'AttachmentLimitExceeded');
    await attach(2);
    await expectEc2Error(attach(1), 'InvalidParameter', 'InvalidParameterValue'); // second trunk
  });

  it('refuses a trunk on a type without trunk support and attaching branches', async () => {
    const { ec2 } = setup();
    const small = ec2.addInstance({ instanceType: 't3.micro', subnetId: SUBNET });
    const trunk = await ec2.createNetworkInterface(branchRequest({ interfaceType: 'trunk' }));
    await expectEc2Error(
      ec2.attachNetworkInterface({
        networkInterfaceId: trunk.networkInterfaceId,
        instanceId: small.instanceId,
        deviceIndex: 1,
      }),
      'InvalidParameter',
      'UnsupportedOperation',
    );
    const branch = await ec2.createNetworkInterface(branchRequest());
    await expectEc2Error(
      ec2.attachNetworkInterface({
        networkInterfaceId: branch.networkInterfaceId,
        instanceId: small.instanceId,
        deviceIndex: 1,
      }),
      'InvalidParameter',
      'InvalidParameterValue',
    );
  });

  it('refuses to delete an attached interface and sets delete-on-termination', async () => {
    const { ec2 } = setup();
    const { instance, trunk } = await nodeWithTrunk(ec2);
    await expectEc2Error(
      ec2.deleteNetworkInterface(trunk.networkInterfaceId),
      'InvalidParameter',
      'InvalidNetworkInterface.InUse',
    );
    const attachment = (await ec2.describeInstance(instance.instanceId)).networkInterfaces[1]
      ?.attachment;
    await expectEc2Error(
      ec2.modifyNetworkInterface({
        networkInterfaceId: trunk.networkInterfaceId,
        attachment: { attachmentId: 'eni-attach-0', deleteOnTermination: true },
      }),
      'NotFound',
      'InvalidAttachmentID.NotFound',
    );
    await ec2.modifyNetworkInterface({
      networkInterfaceId: trunk.networkInterfaceId,
      attachment: { attachmentId: attachment?.attachmentId ?? '', deleteOnTermination: true },
    });
    expect(
      ec2.interfaces().find((i) => i.networkInterfaceId === trunk.networkInterfaceId)?.attachment
        ?.deleteOnTermination,
    ).toBe(true);
  });

  it('terminating an instance deletes delete-on-termination interfaces and frees branches', async () => {
    const { ec2 } = setup();
    const { instance, trunk } = await nodeWithTrunk(ec2);
    const attachmentId =
      (await ec2.describeInstance(instance.instanceId)).networkInterfaces[1]?.attachment
        ?.attachmentId ?? '';
    await ec2.modifyNetworkInterface({
      networkInterfaceId: trunk.networkInterfaceId,
      attachment: { attachmentId, deleteOnTermination: true },
    });
    const branch = await ec2.createNetworkInterface(branchRequest());
    await ec2.associateTrunkInterface({
      trunkInterfaceId: trunk.networkInterfaceId,
      branchInterfaceId: branch.networkInterfaceId,
      vlanId: 1,
      clientToken: token(),
    });
    expect(ec2.interfaces().map((i) => i.status)).toEqual(['in-use', 'in-use', 'in-use']);
    ec2.terminateInstance(instance.instanceId);
    expect(ec2.instances()).toEqual([]);
    expect(ec2.associations()).toEqual([]);
    expect(ec2.interfaces().map((i) => [i.networkInterfaceId, i.status])).toEqual([
      [branch.networkInterfaceId, 'available'],
    ]);
    await ec2.deleteNetworkInterface(branch.networkInterfaceId);
    expect(ec2.subnetFreeAddresses(SUBNET)).toBe(4096 - 5);
  });
});

describe('FakeEc2 trunk associations', () => {
  it('keeps VLAN ids unique per trunk and within 1 … 4094', async () => {
    const { ec2 } = setup();
    const { trunk } = await nodeWithTrunk(ec2);
    const other = await nodeWithTrunk(ec2);
    const [b1, b2, b3] = [
      await ec2.createNetworkInterface(branchRequest()),
      await ec2.createNetworkInterface(branchRequest()),
      await ec2.createNetworkInterface(branchRequest()),
    ];
    const associate = (trunkId: string, branchId: string, vlanId: number) =>
      ec2.associateTrunkInterface({
        trunkInterfaceId: trunkId,
        branchInterfaceId: branchId,
        vlanId,
        clientToken: token(),
      });
    const association = await associate(trunk.networkInterfaceId, b1.networkInterfaceId, 5);
    expect(association).toMatchObject({
      trunkInterfaceId: trunk.networkInterfaceId,
      branchInterfaceId: b1.networkInterfaceId,
      vlanId: 5,
    });
    expect(association.associationId).toMatch(/^trunk-assoc-[0-9a-f]{17}$/);
    await expectEc2Error(
      associate(trunk.networkInterfaceId, b2.networkInterfaceId, 5),
      'InvalidParameter',
      'InvalidVlanId.Duplicate',
    );
    await associate(other.trunk.networkInterfaceId, b2.networkInterfaceId, 5); // another trunk: fine
    for (const vlan of [0, 4095, 1.5]) {
      await expectEc2Error(
        associate(trunk.networkInterfaceId, b3.networkInterfaceId, vlan),
        'InvalidParameter',
        'InvalidParameterValue',
      );
    }
    // a branch belongs to one trunk at a time
    await expectEc2Error(
      associate(trunk.networkInterfaceId, b2.networkInterfaceId, 6),
      'InvalidParameter',
      'InvalidParameterValue',
    );
    expect(await ec2.describeTrunkInterfaceAssociations(trunk.networkInterfaceId)).toEqual([
      association,
    ]);
  });

  it('caps branches per trunk by the instance type (m5.large: 9)', async () => {
    const { ec2 } = setup();
    const { trunk } = await nodeWithTrunk(ec2, 'm5.large');
    for (let vlan = 1; vlan <= 9; vlan++) {
      const branch = await ec2.createNetworkInterface(branchRequest());
      await ec2.associateTrunkInterface({
        trunkInterfaceId: trunk.networkInterfaceId,
        branchInterfaceId: branch.networkInterfaceId,
        vlanId: vlan,
        clientToken: token(),
      });
    }
    const tenth = await ec2.createNetworkInterface(branchRequest());
    await expectEc2Error(
      ec2.associateTrunkInterface({
        trunkInterfaceId: trunk.networkInterfaceId,
        branchInterfaceId: tenth.networkInterfaceId,
        vlanId: 10,
        clientToken: token(),
      }),
      'LimitExceeded',
      'BranchInterfaceLimitExceeded',
    );
    expect(await ec2.describeTrunkInterfaceAssociations(trunk.networkInterfaceId)).toHaveLength(9);
  });

  it('needs an attached trunk; deleting an associated branch removes its association', async () => {
    const { ec2, clock } = setup({ attachDelayMs: 500 });
    const instance = ec2.addInstance({ instanceType: 'c5.4xlarge', subnetId: SUBNET });
    const trunk = await ec2.createNetworkInterface(branchRequest({ interfaceType: 'trunk' }));
    const branch = await ec2.createNetworkInterface(branchRequest());
    const request = {
      trunkInterfaceId: trunk.networkInterfaceId,
      branchInterfaceId: branch.networkInterfaceId,
      vlanId: 1,
    };
    await expectEc2Error(
      ec2.associateTrunkInterface({ ...request, clientToken: token() }),
      'InvalidParameter',
      'IncorrectState',
    );
    await ec2.attachNetworkInterface({
      networkInterfaceId: trunk.networkInterfaceId,
      instanceId: instance.instanceId,
      deviceIndex: 1,
    });
    await expectEc2Error(
      ec2.associateTrunkInterface({ ...request, clientToken: token() }),
      'InvalidParameter',
      'IncorrectState',
    );
    await clock.advance(500);
    const association = await ec2.associateTrunkInterface({ ...request, clientToken: token() });
    expect(
      ec2.interfaces().find((i) => i.networkInterfaceId === branch.networkInterfaceId),
    ).toMatchObject({ status: 'in-use' });
    await ec2.disassociateTrunkInterface({
      associationId: association.associationId,
      clientToken: 'd-1',
    });
    await ec2.disassociateTrunkInterface({
      associationId: association.associationId,
      clientToken: 'd-1',
    }); // replay
    await expectEc2Error(
      ec2.disassociateTrunkInterface({
        associationId: association.associationId,
        clientToken: 'd-2',
      }),
      'NotFound',
      'InvalidAssociationID.NotFound',
    );
    expect(
      ec2.interfaces().find((i) => i.networkInterfaceId === branch.networkInterfaceId),
    ).toMatchObject({ status: 'available' });
    // EC2 deletes an associated branch outright (the resource controller falls back on it when
    // a disassociate fails): the association and its VLAN go with it.
    const again = await ec2.associateTrunkInterface({ ...request, clientToken: token() });
    await ec2.deleteNetworkInterface(branch.networkInterfaceId);
    expect(ec2.associations()).toEqual([]);
    expect(await ec2.describeTrunkInterfaceAssociations(trunk.networkInterfaceId)).toEqual([]);
    await expectEc2Error(
      ec2.disassociateTrunkInterface({ associationId: again.associationId, clientToken: 'd-3' }),
      'NotFound',
      'InvalidAssociationID.NotFound',
    );
    const next = await ec2.createNetworkInterface(branchRequest());
    await ec2.associateTrunkInterface({
      ...request,
      branchInterfaceId: next.networkInterfaceId,
      clientToken: token(),
    }); // VLAN 1 is free again
    // A trunk with branches is attached, hence in use.
    await expectEc2Error(
      ec2.deleteNetworkInterface(trunk.networkInterfaceId),
      'InvalidParameter',
      'InvalidNetworkInterface.InUse',
    );
  });
});

describe('FakeEc2 client tokens', () => {
  it('create: the same token and request return the same interface; other params mismatch', async () => {
    const { ec2 } = setup();
    const request = branchRequest({ clientToken: 'pod-uid-1' });
    const first = await ec2.createNetworkInterface(request);
    const again = await ec2.createNetworkInterface({
      ...request,
      groupIds: [...request.groupIds].reverse(),
    });
    expect(again).toEqual(first);
    expect(ec2.interfaces()).toHaveLength(1);
    await expectEc2Error(
      ec2.createNetworkInterface({ ...request, groupIds: [SG_A] }),
      'InvalidParameter',
      'IdempotentParameterMismatch',
    );
    await expectEc2Error(
      ec2.createNetworkInterface({ ...request, clientToken: 'x'.repeat(65) }),
      'InvalidParameter',
      'InvalidParameterValue',
    );
  });

  it('associate: a replay returns the same association, a different VLAN mismatches', async () => {
    const { ec2 } = setup();
    const { trunk } = await nodeWithTrunk(ec2);
    const branch = await ec2.createNetworkInterface(branchRequest());
    const request = {
      trunkInterfaceId: trunk.networkInterfaceId,
      branchInterfaceId: branch.networkInterfaceId,
      vlanId: 3,
      clientToken: 'assoc-1',
    };
    const first = await ec2.associateTrunkInterface(request);
    expect(await ec2.associateTrunkInterface(request)).toEqual(first);
    expect(ec2.associations()).toHaveLength(1);
    await expectEc2Error(
      ec2.associateTrunkInterface({ ...request, vlanId: 4 }),
      'InvalidParameter',
      'IdempotentParameterMismatch',
    );
  });

  it('a retry after a fault that hit after the mutation finds the first result', async () => {
    const { ec2 } = setup({
      faults: [{ api: 'CreateNetworkInterface', rate: 1, after: true, code: 'InternalError' }],
    });
    const request = branchRequest({ clientToken: 'lost-response' });
    await expectEc2Error(ec2.createNetworkInterface(request), 'Transient', 'InternalError');
    expect(ec2.interfaces()).toHaveLength(1); // it happened
    ec2.setFaults([]);
    const retried = await ec2.createNetworkInterface(request);
    expect(ec2.interfaces().map((i) => i.networkInterfaceId)).toEqual([retried.networkInterfaceId]);
    expect(ec2.calls().map((c) => [c.outcome, c.afterEffect ?? false])).toEqual([
      ['fault', true],
      ['ok', false],
    ]);
  });
});

describe('FakeEc2 tags, filters and visibility', () => {
  it('filters by ids, tags (value or presence), status, type, subnet and VPC', async () => {
    const { ec2 } = setup();
    const { trunk } = await nodeWithTrunk(ec2);
    const tagged = await ec2.createNetworkInterface(
      branchRequest({ tags: { 'kubernetes.io/cluster/demo': 'owned', 'podsg.io/node': 'a' } }),
    );
    const other = await ec2.createNetworkInterface(
      branchRequest({ subnetId: TINY, tags: { 'podsg.io/node': 'b' } }),
    );
    await ec2.tagNetworkInterface(other.networkInterfaceId, {
      'kubernetes.io/cluster/demo': 'owned',
    });
    const ids = async (filter: Parameters<FakeEc2['listNetworkInterfaces']>[0]) =>
      (await ec2.listNetworkInterfaces(filter)).map((i) => i.networkInterfaceId).sort();
    expect(await ids({ tags: { 'kubernetes.io/cluster/demo': 'owned' } })).toEqual(
      [tagged.networkInterfaceId, other.networkInterfaceId].sort(),
    );
    expect(
      await ids({ tags: { 'kubernetes.io/cluster/demo': 'owned', 'podsg.io/node': 'b' } }),
    ).toEqual([other.networkInterfaceId]);
    expect(await ids({ tags: { 'podsg.io/node': true } })).toEqual(
      [tagged.networkInterfaceId, other.networkInterfaceId].sort(),
    );
    expect(await ids({ interfaceType: 'trunk' })).toEqual([trunk.networkInterfaceId]);
    expect(await ids({ status: 'available', subnetId: TINY })).toEqual([other.networkInterfaceId]);
    expect(await ids({ vpcId: 'vpc-0ffff' })).toEqual([]);
    expect(await ids({ networkInterfaceIds: [tagged.networkInterfaceId, 'eni-0000'] })).toEqual([
      tagged.networkInterfaceId,
    ]);
    await expectEc2Error(
      ec2.tagNetworkInterface(other.networkInterfaceId, { 'aws:x': '1' }),
      'InvalidParameter',
      'InvalidParameterValue',
    );
  });

  it('hides new interfaces from listing until the visibility delay has passed', async () => {
    const { ec2, clock } = setup({ visibilityDelayMs: 2000 });
    const eni = await ec2.createNetworkInterface(branchRequest());
    expect(await ec2.listNetworkInterfaces({})).toEqual([]);
    await clock.advance(1999);
    expect(await ec2.listNetworkInterfaces({})).toEqual([]);
    await clock.advance(1);
    expect((await ec2.listNetworkInterfaces({})).map((i) => i.networkInterfaceId)).toEqual([
      eni.networkInterfaceId,
    ]);
    expect(ec2.interfaces()).toHaveLength(1);
  });
});

describe('FakeEc2 throttling, latency and faults', () => {
  it('throttles per API with EC2 default buckets and refills in clock time', async () => {
    const { ec2, clock } = setup();
    const results: string[] = [];
    for (let i = 0; i < 52; i++) {
      results.push(
        await ec2.createNetworkInterface(branchRequest()).then(
          () => 'ok',
          (e: unknown) => (AllocatorError.is(e, 'Throttled') ? 'throttled' : 'other'),
        ),
      );
    }
    expect(results.filter((r) => r === 'ok')).toHaveLength(50);
    expect(results.slice(50)).toEqual(['throttled', 'throttled']);
    await expectEc2Error(
      ec2.createNetworkInterface(branchRequest()),
      'Throttled',
      'RequestLimitExceeded',
    );
    // Other APIs have their own buckets.
    await ec2.describeSubnet(SUBNET);
    await clock.advance(200); // 5/s: one token per 200 ms
    await ec2.createNetworkInterface(branchRequest());
    await expectEc2Error(
      ec2.createNetworkInterface(branchRequest()),
      'Throttled',
      'RequestLimitExceeded',
    );
    expect(ec2.callCounts()).toEqual({ CreateNetworkInterface: 55, DescribeSubnets: 1 });
    expect(ec2.callCounts('throttled')).toEqual({ CreateNetworkInterface: 4 });
  });

  it('takes configured buckets and can turn throttling off', async () => {
    const tight = setup({ throttle: { DescribeSubnets: { capacity: 1, refillPerSecond: 1 } } }).ec2;
    await tight.describeSubnet(SUBNET);
    await expectEc2Error(tight.describeSubnet(SUBNET), 'Throttled', 'RequestLimitExceeded');
    const open = setup({ throttle: false }).ec2;
    for (let i = 0; i < 200; i++) await open.describeSubnet(SUBNET);
    expect(open.callCounts('throttled')).toEqual({});
  });

  it('answers after a latency drawn within the configured range, in clock time', async () => {
    const { ec2, clock } = setup({ latencyMs: { min: 40, max: 300 } });
    let answeredAt = -1;
    void ec2.describeSubnet(SUBNET).then(() => (answeredAt = clock.now()));
    await clock.runUntilIdle();
    expect(answeredAt).toBeGreaterThanOrEqual(40);
    expect(answeredAt).toBeLessThan(300);
    expect(ec2.calls()[0]?.at).toBe(answeredAt);
  });

  it('injects faults at the configured rate, the same ones for the same seed', async () => {
    const run = async (seed: number) => {
      const { ec2 } = setup({
        seed,
        throttle: false,
        faults: [{ api: 'DescribeSubnets', rate: 0.3 }],
      });
      const outcomes: string[] = [];
      for (let i = 0; i < 400; i++) {
        outcomes.push(
          await ec2.describeSubnet(SUBNET).then(
            () => 'ok',
            (e: unknown) => (e as AllocatorError).code ?? '?',
          ),
        );
      }
      return outcomes;
    };
    const first = await run(11);
    expect(await run(11)).toEqual(first);
    expect(await run(12)).not.toEqual(first);
    const faults = first.filter((o) => o !== 'ok');
    expect(faults.length).toBeGreaterThan(80);
    expect(faults.length).toBeLessThan(160);
    expect(new Set(faults)).toEqual(new Set(['InternalError', 'ServiceUnavailable']));
  });

  it('a fault before the mutation leaves nothing behind', async () => {
    const { ec2 } = setup({ faults: [{ api: '*', rate: 1, code: 'ServiceUnavailable' }] });
    const error = await rejection(ec2.createNetworkInterface(branchRequest()));
    expect(AllocatorError.isRetryable(error)).toBe(true);
    expect(ec2.interfaces()).toEqual([]);
    expect(ec2.calls()).toEqual([
      { api: 'CreateNetworkInterface', at: 0, outcome: 'fault', code: 'ServiceUnavailable' },
    ]);
  });

  it('logs errors with their EC2 codes', async () => {
    const { ec2 } = setup();
    await rejection(ec2.deleteNetworkInterface('eni-0000000000000000a'));
    expect(ec2.calls()).toEqual([
      {
        api: 'DeleteNetworkInterface',
        at: 0,
        outcome: 'error',
        code: 'InvalidNetworkInterfaceID.NotFound',
      },
    ]);
  });
});

describe('FakeEc2 options', () => {
  it('refuses bad options naming the field', () => {
    expect(() => setup({ subnets: [{ id: SUBNET, cidr: '10.1.0.0/20' }] })).toThrow(
      /subnets\[0\]\.cidr/,
    );
    expect(() => setup({ securityGroups: ['sg-XYZ'] })).toThrow(/securityGroups\[0\]/);
    expect(() =>
      setup({ subnets: [{ id: SUBNET, cidr: '10.0.0.0/20', availabilityZone: 'moon-1' }] }),
    ).toThrow(/subnets\[0\]\.availabilityZone/);
    expect(() => setup({ faults: [{ api: 'DescribeSubnets', rate: 2 }] })).toThrow(
      /faults\[0\]\.rate/,
    );
    expect(() => setup({ latencyMs: { min: 5, max: 1 } })).toThrow(/latencyMs/);
  });
});

describe('FakeEc2 default instance limits', () => {
  it('uses the allocator’s table: c5.4xlarge takes 8 interfaces, t3.micro no trunk', async () => {
    const clock = new VirtualClock();
    const ec2 = new FakeEc2({
      clock,
      vpc: { id: 'vpc-0a1b2c3d', cidr: '10.0.0.0/16' },
      subnets: [{ id: SUBNET, cidr: '10.0.0.0/20' }],
      securityGroups: [SG_A],
      attachDelayMs: 0,
    });
    const big = ec2.addInstance({ instanceType: 'c5.4xlarge', subnetId: SUBNET });
    const trunk = await ec2.createNetworkInterface(
      branchRequest({ interfaceType: 'trunk', groupIds: [SG_A] }),
    );
    await expectEc2Error(
      ec2.attachNetworkInterface({
        networkInterfaceId: trunk.networkInterfaceId,
        instanceId: big.instanceId,
        deviceIndex: 8,
      }),
      'LimitExceeded',
      'AttachmentLimitExceeded',
    );
    await ec2.attachNetworkInterface({
      networkInterfaceId: trunk.networkInterfaceId,
      instanceId: big.instanceId,
      deviceIndex: 7,
    });
    const small = ec2.addInstance({ instanceType: 't3.micro', subnetId: SUBNET });
    const other = await ec2.createNetworkInterface(
      branchRequest({ interfaceType: 'trunk', groupIds: [SG_A] }),
    );
    await expectEc2Error(
      ec2.attachNetworkInterface({
        networkInterfaceId: other.networkInterfaceId,
        instanceId: small.instanceId,
        deviceIndex: 1,
      }),
      'InvalidParameter',
      'UnsupportedOperation',
    );
    expect(() => ec2.addInstance({ instanceType: 'q9.nothing', subnetId: SUBNET })).toThrow(
      /q9.nothing/,
    );
  });
});

describe('FakeEc2 against EC2’s documented behaviour', () => {
  it('tells a malformed id (InvalidParameter) from one that does not exist (NotFound)', async () => {
    const { ec2 } = setup();
    const cases: [Promise<unknown>, AllocatorErrorKind, string][] = [
      [
        ec2.deleteNetworkInterface('eni-nothex'),
        'InvalidParameter',
        'InvalidNetworkInterfaceID.Malformed',
      ],
      [
        ec2.deleteNetworkInterface('eni-0123'),
        'InvalidParameter',
        'InvalidNetworkInterfaceID.Malformed',
      ],
      [
        ec2.deleteNetworkInterface('eni-0123456789abcdef0'),
        'NotFound',
        'InvalidNetworkInterfaceID.NotFound',
      ],
      [
        ec2.deleteNetworkInterface('eni-01234567'),
        'NotFound',
        'InvalidNetworkInterfaceID.NotFound',
      ],
      [
        ec2.tagNetworkInterface('i-0123456789abcdef0', { a: 'b' }),
        'InvalidParameter',
        'InvalidNetworkInterfaceID.Malformed',
      ],
      [ec2.describeInstance('instance-1'), 'InvalidParameter', 'InvalidInstanceID.Malformed'],
      [ec2.describeInstance('i-0123456789abcdef0'), 'NotFound', 'InvalidInstanceID.NotFound'],
      [ec2.describeSubnet('subnet-XYZ'), 'InvalidParameter', 'InvalidSubnetID.Malformed'],
      [ec2.describeSubnet('subnet-0deadbee'), 'NotFound', 'InvalidSubnetID.NotFound'],
      [
        ec2.createNetworkInterface(branchRequest({ subnetId: '' })),
        'InvalidParameter',
        'MissingParameter',
      ],
      [
        ec2.createNetworkInterface(branchRequest({ groupIds: ['sg-web'] })),
        'InvalidParameter',
        'InvalidGroupId.Malformed',
      ],
    ];
    for (const [promise, kind, code] of cases) await expectEc2Error(promise, kind, code);
    expect(ec2.interfaces()).toEqual([]);
  });

  it('maps each EC2 error code to the kind callers act on; only Throttled and Transient retry', async () => {
    const { ec2 } = setup();
    for (let i = 0; i < 11; i++)
      await ec2.createNetworkInterface(branchRequest({ subnetId: TINY }));
    await expectEc2Error(
      ec2.createNetworkInterface(branchRequest({ subnetId: TINY })),
      'LimitExceeded',
      'InsufficientFreeAddressesInSubnet',
    );
    const quota = setup({ interfaceQuota: 1 }).ec2;
    await quota.createNetworkInterface(branchRequest());
    await expectEc2Error(
      quota.createNetworkInterface(branchRequest()),
      'LimitExceeded',
      'NetworkInterfaceLimitExceeded',
    );
    // t3.micro takes two interfaces: the primary and one more.
    const small = ec2.addInstance({ instanceType: 't3.micro', subnetId: SUBNET });
    const attach = async (deviceIndex: number) => {
      const eni = await ec2.createNetworkInterface({ ...branchRequest(), interfaceType: 'trunk' });
      return ec2.attachNetworkInterface({
        networkInterfaceId: eni.networkInterfaceId,
        instanceId: small.instanceId,
        deviceIndex,
      });
    };
    await expectEc2Error(attach(2), 'LimitExceeded', 'AttachmentLimitExceeded');
    const codes: [string, AllocatorErrorKind][] = [
      ['RequestLimitExceeded', 'Throttled'],
      ['InternalError', 'Transient'],
      ['ServiceUnavailable', 'Transient'],
      ['Unavailable', 'Transient'],
      ['UnauthorizedOperation', 'Unauthorized'],
      ['InvalidNetworkInterfaceID.NotFound', 'NotFound'],
    ];
    for (const [code, kind] of codes) {
      const faulty = setup({ faults: [{ api: 'DescribeSubnets', rate: 1, code }] }).ec2;
      await expectEc2Error(faulty.describeSubnet(SUBNET), kind, code);
    }
  });

  it('caps security groups per interface (default 5, adjustable up to 16), a duplicate counted once', async () => {
    const many = Array.from(
      { length: 17 },
      (_, i) => `sg-${(i + 1).toString(16).padStart(8, '0')}`,
    );
    const { ec2 } = setup({ securityGroups: many });
    const six = many.slice(0, 6);
    await expectEc2Error(
      ec2.createNetworkInterface(branchRequest({ groupIds: six })),
      'LimitExceeded',
      'SecurityGroupsPerInterfaceLimitExceeded',
    );
    const five = many.slice(0, 5);
    const eni = await ec2.createNetworkInterface(
      branchRequest({ groupIds: [...five, five[0] ?? ''] }),
    );
    expect(eni.groupIds).toEqual(five);
    await expectEc2Error(
      ec2.modifyNetworkInterface({ networkInterfaceId: eni.networkInterfaceId, groupIds: six }),
      'LimitExceeded',
      'SecurityGroupsPerInterfaceLimitExceeded',
    );
    const raised = setup({ securityGroups: many, groupsPerInterface: 16 }).ec2;
    expect(
      (await raised.createNetworkInterface(branchRequest({ groupIds: many.slice(0, 16) })))
        .groupIds,
    ).toHaveLength(16);
    expect(() => setup({ groupsPerInterface: 17 })).toThrow(/groupsPerInterface/);
    expect(() => setup({ groupsPerInterface: 0 })).toThrow(/groupsPerInterface/);
  });

  it('takes subnets from /16 to /28 only', () => {
    const subnets = (cidr: string) =>
      setup({ vpc: { id: 'vpc-0a1b2c3d', cidr: '10.0.0.0/8' }, subnets: [{ id: SUBNET, cidr }] });
    expect(() => subnets('10.0.0.0/15')).toThrow(/subnets\[0\]\.cidr/);
    expect(() => subnets('10.0.0.0/29')).toThrow(/subnets\[0\]\.cidr/);
    expect(subnets('10.0.0.0/16').ec2.subnetFreeAddresses(SUBNET)).toBe(65536 - 5);
    expect(subnets('10.0.0.0/28').ec2.subnetFreeAddresses(SUBNET)).toBe(11);
  });

  it('modifies one attribute per request: both given make two requests, not atomic', async () => {
    const { ec2 } = setup({
      throttle: { ModifyNetworkInterfaceAttribute: { capacity: 3, refillPerSecond: 0 } },
    });
    const { trunk, instance } = await nodeWithTrunk(ec2);
    const attachmentId =
      (await ec2.describeInstance(instance.instanceId)).networkInterfaces.find(
        (i) => i.networkInterfaceId === trunk.networkInterfaceId,
      )?.attachment?.attachmentId ?? '';
    await ec2.modifyNetworkInterface({
      networkInterfaceId: trunk.networkInterfaceId,
      groupIds: [SG_A],
      attachment: { attachmentId, deleteOnTermination: true },
    });
    expect(ec2.callCounts()).toMatchObject({ ModifyNetworkInterfaceAttribute: 2 });
    // The first request (groups) takes effect even when the second (attachment) fails.
    await expectEc2Error(
      ec2.modifyNetworkInterface({
        networkInterfaceId: trunk.networkInterfaceId,
        groupIds: [SG_B],
        attachment: { attachmentId, deleteOnTermination: false },
      }),
      'Throttled',
      'RequestLimitExceeded',
    );
    const after = ec2.interfaces().find((i) => i.networkInterfaceId === trunk.networkInterfaceId);
    expect(after?.groupIds).toEqual([SG_B]);
    expect(after?.attachment?.deleteOnTermination).toBe(true);
    await expectEc2Error(
      ec2.modifyNetworkInterface({ networkInterfaceId: trunk.networkInterfaceId }),
      'Throttled',
      'RequestLimitExceeded',
    );
  });

  it('client tokens: a replay after the interface was deleted returns it, disassociate mismatches', async () => {
    const { ec2 } = setup();
    const request = branchRequest({ clientToken: 'gone-1' });
    const created = await ec2.createNetworkInterface(request);
    await ec2.deleteNetworkInterface(created.networkInterfaceId);
    // EC2 returns the original result without acting again; it does not create a second one.
    expect((await ec2.createNetworkInterface(request)).networkInterfaceId).toBe(
      created.networkInterfaceId,
    );
    expect(ec2.interfaces()).toEqual([]);
    const { trunk } = await nodeWithTrunk(ec2);
    const branch = await ec2.createNetworkInterface(branchRequest());
    const a = await ec2.associateTrunkInterface({
      trunkInterfaceId: trunk.networkInterfaceId,
      branchInterfaceId: branch.networkInterfaceId,
      vlanId: 1,
      clientToken: 'a-1',
    });
    await ec2.disassociateTrunkInterface({ associationId: a.associationId, clientToken: 'd-1' });
    await expectEc2Error(
      ec2.disassociateTrunkInterface({
        associationId: 'trunk-assoc-0123456789abcdef0',
        clientToken: 'd-1',
      }),
      'InvalidParameter',
      'IdempotentParameterMismatch',
    );
  });

  it('offers EC2’s documented per-action buckets (CreateNetworkInterface 100, 5/s)', async () => {
    const { ec2 } = setup({ throttle: FakeEc2.documentedThrottle });
    let ok = 0;
    for (let i = 0; i < 101; i++) {
      ok += await ec2.createNetworkInterface(branchRequest()).then(
        () => 1,
        () => 0,
      );
    }
    expect(ok).toBe(100);
    expect(FakeEc2.documentedThrottle.CreateTags).toEqual({ capacity: 100, refillPerSecond: 10 });
    expect(FakeEc2.documentedThrottle.AssociateTrunkInterface).toEqual({
      capacity: 50,
      refillPerSecond: 5,
    });
  });

  it('lists an id not yet visible as absent, never as NotFound (network-interface-id filter)', async () => {
    const { ec2, clock } = setup({ visibilityDelayMs: 1000 });
    const eni = await ec2.createNetworkInterface(branchRequest());
    expect(
      await ec2.listNetworkInterfaces({ networkInterfaceIds: [eni.networkInterfaceId] }),
    ).toEqual([]);
    await clock.advance(1000);
    expect(
      (await ec2.listNetworkInterfaces({ networkInterfaceIds: [eni.networkInterfaceId] })).map(
        (i) => i.networkInterfaceId,
      ),
    ).toEqual([eni.networkInterfaceId]);
  });
});
