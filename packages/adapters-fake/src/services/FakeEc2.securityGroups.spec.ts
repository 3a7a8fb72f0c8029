import { describe, expect, it } from 'vitest';
import { AllocatorError } from '@podsg/allocator';
import { FakeEc2 } from './FakeEc2.js';
import { VirtualClock } from './VirtualClock.js';

const VPC = 'vpc-0a1b2c3d';
const SUBNET = 'subnet-0a1b2c3d';
const SG_SEEDED = 'sg-0123456789abcdef0';

function setup(rulesPerSecurityGroup?: number): FakeEc2 {
  return new FakeEc2({
    clock: new VirtualClock(),
    vpc: { id: VPC, cidr: '10.0.0.0/16' },
    subnets: [{ id: SUBNET, cidr: '10.0.0.0/20' }],
    securityGroups: [SG_SEEDED, { id: 'sg-00000000000000aaa', vpcId: 'vpc-0ffff' }],
    attachDelayMs: 0,
    ...(rulesPerSecurityGroup === undefined ? {} : { rulesPerSecurityGroup }),
  });
}

function codeOf(action: () => unknown): string | undefined {
  try {
    action();
  } catch (error) {
    if (AllocatorError.is(error)) return error.code;
    throw error;
  }
  return undefined;
}

const postgres = { IpProtocol: 'tcp', FromPort: 5432, ToPort: 5432 };

describe('FakeEc2 security groups', () => {
  it('creates a group with EC2 default egress rule and describes it as the AWS CLI prints it', () => {
    const ec2 = setup();
    const { groupId } = ec2.createSecurityGroup({
      groupName: 'rds-access',
      description: 'apps that need access to RDS',
      tags: { team: 'db' },
    });
    expect(groupId).toMatch(/^sg-[0-9a-f]{17}$/);
    const group = ec2.securityGroups().find((g) => g.GroupId === groupId);
    expect(group).toEqual({
      GroupId: groupId,
      GroupName: 'rds-access',
      Description: 'apps that need access to RDS',
      VpcId: VPC,
      OwnerId: '123456789012',
      IpPermissions: [],
      IpPermissionsEgress: [
        {
          IpProtocol: '-1',
          IpRanges: [{ CidrIp: '0.0.0.0/0' }],
          Ipv6Ranges: [],
          UserIdGroupPairs: [],
        },
      ],
      Tags: [{ Key: 'team', Value: 'db' }],
    });
    const [egress] = ec2.securityGroupRules().filter((r) => r.GroupId === groupId);
    expect(egress).toMatchObject({ IsEgress: true, IpProtocol: '-1', FromPort: -1, ToPort: -1 });
    expect(egress?.SecurityGroupRuleId).toMatch(/^sgr-[0-9a-f]{17}$/);
  });

  it('stores rules by peer and merges them by port range; a referenced group is a peer', () => {
    const ec2 = setup();
    const { groupId: db } = ec2.createSecurityGroup({ groupName: 'db', description: 'database' });
    const { groupId: apps } = ec2.createSecurityGroup({ groupName: 'apps', description: 'apps' });
    const added = ec2.authorizeSecurityGroupRules(db, false, [
      { ...postgres, UserIdGroupPairs: [{ GroupId: apps }], IpRanges: [{ CidrIp: '10.0.0.0/24' }] },
      { IpProtocol: '6', FromPort: 22, ToPort: 22, Ipv6Ranges: [{ CidrIpv6: '2600:1F14::/56' }] },
    ]);
    expect(
      added.map((r) => [
        r.IpProtocol,
        r.FromPort,
        r.CidrIpv4 ?? r.CidrIpv6 ?? r.ReferencedGroupInfo?.GroupId,
      ]),
    ).toEqual([
      ['tcp', 5432, '10.0.0.0/24'],
      ['tcp', 5432, apps],
      ['tcp', 22, '2600:1f14::/56'],
    ]);
    const group = ec2.securityGroups().find((g) => g.GroupId === db);
    expect(group?.IpPermissions).toEqual([
      {
        ...postgres,
        IpRanges: [{ CidrIp: '10.0.0.0/24' }],
        Ipv6Ranges: [],
        UserIdGroupPairs: [{ GroupId: apps, UserId: '123456789012' }],
      },
      {
        IpProtocol: 'tcp',
        FromPort: 22,
        ToPort: 22,
        IpRanges: [],
        Ipv6Ranges: [{ CidrIpv6: '2600:1f14::/56' }],
        UserIdGroupPairs: [],
      },
    ]);
  });

  it('refuses a duplicate rule, a missing one, bad ports and protocols with EC2 codes, adding nothing', () => {
    const ec2 = setup();
    const sg = SG_SEEDED;
    ec2.authorizeSecurityGroupRules(sg, false, [
      { ...postgres, IpRanges: [{ CidrIp: '10.0.0.0/16' }] },
    ]);
    const before = ec2.securityGroupRules().length;
    expect(
      codeOf(() =>
        ec2.authorizeSecurityGroupRules(sg, false, [
          { ...postgres, IpRanges: [{ CidrIp: '10.1.0.0/16' }, { CidrIp: '10.0.0.0/16' }] },
        ]),
      ),
    ).toBe('InvalidPermission.Duplicate');
    expect(
      codeOf(() => {
        ec2.revokeSecurityGroupRules(sg, false, [
          { ...postgres, IpRanges: [{ CidrIp: '10.9.0.0/16' }] },
        ]);
      }),
    ).toBe('InvalidPermission.NotFound');
    const bad = (permission: object): string | undefined =>
      codeOf(() =>
        ec2.authorizeSecurityGroupRules(sg, false, [
          { IpRanges: [{ CidrIp: '10.0.0.0/8' }], ...permission } as never,
        ]),
      );
    expect(bad({ IpProtocol: 'tcp', FromPort: 10, ToPort: 5 })).toBe('InvalidParameterValue');
    expect(bad({ IpProtocol: 'tcp', FromPort: 1, ToPort: 70000 })).toBe('InvalidParameterValue');
    expect(bad({ IpProtocol: 'tcp' })).toBe('InvalidParameterValue');
    expect(bad({ IpProtocol: 'gre' })).toBe('InvalidParameterValue');
    expect(bad({ IpProtocol: 'icmp', FromPort: -1, ToPort: 3 })).toBe('InvalidParameterValue');
    expect(bad({ IpProtocol: '-1', IpRanges: [{ CidrIp: '10.0.0.1/8' }] })).toBe(
      'InvalidParameterValue',
    );
    expect(bad({})).toBe('MissingParameter');
    expect(
      codeOf(() => ec2.authorizeSecurityGroupRules('sg-0000000000000dead', false, [postgres])),
    ).toBe('InvalidGroup.NotFound');
    expect(codeOf(() => ec2.authorizeSecurityGroupRules('sg-nothex', false, [postgres]))).toBe(
      'InvalidGroupId.Malformed',
    );
    expect(
      codeOf(() =>
        ec2.authorizeSecurityGroupRules(sg, false, [
          { ...postgres, UserIdGroupPairs: [{ GroupId: 'sg-00000000000000aaa' }] },
        ]),
      ),
    ).toBe('InvalidGroup.NotFound');
    expect(ec2.securityGroupRules()).toHaveLength(before);
    ec2.revokeSecurityGroupRules(sg, false, [
      { ...postgres, IpRanges: [{ CidrIp: '10.0.0.0/16' }] },
    ]);
    expect(ec2.securityGroupRules()).toHaveLength(before - 1);
  });

  it('enforces rules per group and direction, IPv6 counted apart', () => {
    const ec2 = setup(3);
    const range = (i: number) => ({
      IpProtocol: 'tcp',
      FromPort: i,
      ToPort: i,
      IpRanges: [{ CidrIp: '10.0.0.0/16' }],
    });
    ec2.authorizeSecurityGroupRules(SG_SEEDED, false, [range(1), range(2), range(3)]);
    expect(codeOf(() => ec2.authorizeSecurityGroupRules(SG_SEEDED, false, [range(4)]))).toBe(
      'RulesPerSecurityGroupLimitExceeded',
    );
    ec2.authorizeSecurityGroupRules(SG_SEEDED, false, [
      { ...range(4), IpRanges: [], Ipv6Ranges: [{ CidrIpv6: '::/0' }] },
    ]);
    // The default egress rule counts: two more outbound fit, not three.
    expect(
      codeOf(() =>
        ec2.authorizeSecurityGroupRules(SG_SEEDED, true, [range(1), range(2), range(3)]),
      ),
    ).toBe('RulesPerSecurityGroupLimitExceeded');
  });

  it('refuses to delete a group an interface carries or a rule references (DependencyViolation)', async () => {
    const ec2 = setup();
    const { groupId: db } = ec2.createSecurityGroup({ groupName: 'db', description: 'database' });
    const { groupId: apps } = ec2.createSecurityGroup({ groupName: 'apps', description: 'apps' });
    ec2.authorizeSecurityGroupRules(db, false, [
      { ...postgres, UserIdGroupPairs: [{ GroupId: apps }] },
    ]);
    expect(
      codeOf(() => {
        ec2.removeSecurityGroup(apps);
      }),
    ).toBe('DependencyViolation');
    const eni = await ec2.createNetworkInterface({
      subnetId: SUBNET,
      groupIds: [db],
      description: 'x',
      tags: {},
      interfaceType: 'branch',
      clientToken: 't-1',
    });
    expect(
      codeOf(() => {
        ec2.removeSecurityGroup(db);
      }),
    ).toBe('DependencyViolation');
    await ec2.deleteNetworkInterface(eni.networkInterfaceId);
    ec2.removeSecurityGroup(db);
    ec2.removeSecurityGroup(apps);
    expect(
      codeOf(() => {
        ec2.removeSecurityGroup(apps);
      }),
    ).toBe('InvalidGroup.NotFound');
    expect(ec2.securityGroupRules().some((r) => r.GroupId === db || r.GroupId === apps)).toBe(
      false,
    );
  });

  it('refuses duplicate names in a VPC, sg-* names and unknown VPCs', () => {
    const ec2 = setup();
    ec2.createSecurityGroup({ groupName: 'web', description: 'web' });
    expect(codeOf(() => ec2.createSecurityGroup({ groupName: 'web', description: 'again' }))).toBe(
      'InvalidGroup.Duplicate',
    );
    expect(
      codeOf(() =>
        ec2.createSecurityGroup({ groupName: 'web', description: 'x', vpcId: 'vpc-0ffff' }),
      ),
    ).toBeUndefined();
    expect(codeOf(() => ec2.createSecurityGroup({ groupName: 'sg-web', description: 'x' }))).toBe(
      'InvalidParameterValue',
    );
    expect(codeOf(() => ec2.createSecurityGroup({ groupName: '', description: 'x' }))).toBe(
      'MissingParameter',
    );
    expect(
      codeOf(() =>
        ec2.createSecurityGroup({ groupName: 'x', description: 'x', vpcId: 'vpc-00000001' }),
      ),
    ).toBe('InvalidVpcID.NotFound');
  });

  it('keeps interface ids of a seed unchanged when groups are created', async () => {
    const request = {
      subnetId: SUBNET,
      groupIds: [SG_SEEDED],
      description: 'x',
      tags: {},
      interfaceType: 'branch' as const,
      clientToken: 't',
    };
    const plain = setup();
    const busy = setup();
    busy.createSecurityGroup({ groupName: 'a', description: 'a' });
    busy.authorizeSecurityGroupRules(SG_SEEDED, false, [
      { ...postgres, IpRanges: [{ CidrIp: '0.0.0.0/0' }] },
    ]);
    expect((await busy.createNetworkInterface(request)).networkInterfaceId).toBe(
      (await plain.createNetworkInterface(request)).networkInterfaceId,
    );
  });
});
