import { execFile, spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeEc2 } from '../services/FakeEc2.js';
import { VirtualClock } from '../services/VirtualClock.js';
import { FakeEc2Server } from './FakeEc2Server.js';

// The real AWS CLI (botocore) against the emulator: a protocol our own code accepts but the
// official client rejects would be wrong.
const probe = spawnSync('aws', ['--version'], { encoding: 'utf8' });
const why =
  probe.error === undefined ? '' : `the AWS CLI (aws) is not installed: ${probe.error.message}`;
if (why) console.warn(`skipped: ${why}`);

const SUBNET = 'subnet-0a1b2c3d';
const SUBNET_B = 'subnet-0b2c3d4e';
const SG_NODE = 'sg-0123456789abcdef0';
const INSTANCE = 'i-0123456789abcdef0';

interface CliResult {
  status: number;
  stdout: string;
  stderr: string;
}

describe.skipIf(!!why)('FakeEc2Server with the real AWS CLI', () => {
  let ec2: FakeEc2;
  let server: FakeEc2Server;

  function aws(args: readonly string[], secret?: string): Promise<CliResult> {
    return new Promise((resolve) => {
      execFile(
        'aws',
        [
          '--endpoint-url',
          server.url,
          '--region',
          server.region,
          '--output',
          'json',
          'ec2',
          ...args,
        ],
        {
          env: {
            PATH: process.env.PATH,
            HOME: process.env.HOME,
            PYENV_ROOT: process.env.PYENV_ROOT,
            AWS_ACCESS_KEY_ID: server.credentials.accessKeyId,
            AWS_SECRET_ACCESS_KEY: secret ?? server.credentials.secretAccessKey,
            AWS_CONFIG_FILE: '/dev/null',
            AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
            AWS_EC2_METADATA_DISABLED: 'true',
            AWS_MAX_ATTEMPTS: '1',
          },
        },
        (error, stdout, stderr) => {
          const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
          resolve({ status: code, stdout, stderr });
        },
      );
    });
  }

  async function awsJson<T>(args: readonly string[]): Promise<T> {
    const result = await aws(args);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    return (result.stdout === '' ? {} : JSON.parse(result.stdout)) as T;
  }

  beforeAll(async () => {
    ec2 = new FakeEc2({
      clock: new VirtualClock(),
      vpc: { id: 'vpc-0a1b2c3d', cidr: '10.0.0.0/16' },
      subnets: [
        { id: SUBNET, cidr: '10.0.0.0/20' },
        { id: SUBNET_B, cidr: '10.0.16.0/20', availabilityZone: 'us-west-2b' },
      ],
      securityGroups: [SG_NODE],
      attachDelayMs: 0,
    });
    ec2.addInstance({ instanceType: 'c5.4xlarge', subnetId: SUBNET, instanceId: INSTANCE });
    server = await FakeEc2Server.start({ ec2 });
  });

  afterAll(async () => {
    await server.close();
  });

  it('creates a trunk and branches, associates them and describes them, following NextToken', async () => {
    const trunk = await awsJson<{ NetworkInterface: { NetworkInterfaceId: string } }>([
      'create-network-interface',
      '--subnet-id',
      SUBNET,
      '--groups',
      SG_NODE,
      '--interface-type',
      'trunk',
      '--description',
      'aws-k8s-trunk-eni',
      '--tag-specifications',
      'ResourceType=network-interface,Tags=[{Key=kubernetes.io/cluster/demo,Value=owned}]',
    ]);
    const trunkId = trunk.NetworkInterface.NetworkInterfaceId;
    const attached = await awsJson<{ AttachmentId: string }>([
      'attach-network-interface',
      '--network-interface-id',
      trunkId,
      '--instance-id',
      INSTANCE,
      '--device-index',
      '1',
    ]);
    expect(attached.AttachmentId).toMatch(/^eni-attach-/);
    const branches: string[] = [];
    for (let i = 0; i < 11; i++) {
      const eni = await ec2.createNetworkInterface({
        subnetId: SUBNET,
        groupIds: [SG_NODE],
        description: 'aws-k8s-branch-eni',
        tags: { 'kubernetes.io/cluster/demo': 'owned' },
        interfaceType: 'branch',
        clientToken: `branch-${i}`,
      });
      branches.push(eni.networkInterfaceId);
    }
    const association = await awsJson<{
      InterfaceAssociation: { AssociationId: string; VlanId: number };
    }>([
      'associate-trunk-interface',
      '--trunk-interface-id',
      trunkId,
      '--branch-interface-id',
      branches[0] ?? '',
      '--vlan-id',
      '7',
    ]);
    expect(association.InterfaceAssociation.VlanId).toBe(7);

    const before = server.requests().length;
    const listed = await awsJson<{
      NetworkInterfaces: { NetworkInterfaceId: string; Status: string }[];
    }>([
      'describe-network-interfaces',
      '--filters',
      'Name=tag:kubernetes.io/cluster/demo,Values=owned',
      'Name=interface-type,Values=branch',
      '--page-size',
      '5',
    ]);
    expect(listed.NetworkInterfaces.map((e) => e.NetworkInterfaceId).sort()).toEqual(
      [...branches].sort(),
    );
    expect(listed.NetworkInterfaces.filter((e) => e.Status === 'in-use')).toHaveLength(1);
    // 11 branches, 5 a page: the CLI followed NextToken twice.
    expect(
      server
        .requests()
        .slice(before)
        .map((r) => r.action),
    ).toEqual(Array(3).fill('DescribeNetworkInterfaces'));

    const associations = await awsJson<{
      InterfaceAssociations: { BranchInterfaceId: string; InterfaceProtocol: string }[];
    }>([
      'describe-trunk-interface-associations',
      '--filters',
      `Name=trunk-interface-association.trunk-interface-id,Values=${trunkId}`,
    ]);
    expect(associations.InterfaceAssociations).toEqual([
      expect.objectContaining({ BranchInterfaceId: branches[0], InterfaceProtocol: 'VLAN' }),
    ]);
    const duplicate = await aws([
      'associate-trunk-interface',
      '--trunk-interface-id',
      trunkId,
      '--branch-interface-id',
      branches[1] ?? '',
      '--vlan-id',
      '7',
    ]);
    expect(duplicate.status).not.toBe(0);
    expect(duplicate.stderr).toContain('(InvalidVlanId.Duplicate)');
  });

  it('creates a group, authorizes a rule from another group and describes it as EC2 does', async () => {
    const db = await awsJson<{ GroupId: string }>([
      'create-security-group',
      '--group-name',
      'db',
      '--description',
      'the database',
    ]);
    const apps = await awsJson<{ GroupId: string }>([
      'create-security-group',
      '--group-name',
      'rds-access',
      '--description',
      'apps that need RDS',
    ]);
    await awsJson([
      'authorize-security-group-ingress',
      '--group-id',
      db.GroupId,
      '--protocol',
      'tcp',
      '--port',
      '5432',
      '--source-group',
      apps.GroupId,
    ]);
    const described = await awsJson<{ SecurityGroups: unknown[] }>([
      'describe-security-groups',
      '--group-ids',
      db.GroupId,
    ]);
    const model = ec2.securityGroups().find((g) => g.GroupId === db.GroupId);
    expect(described.SecurityGroups).toEqual([
      expect.objectContaining({
        GroupId: db.GroupId,
        GroupName: 'db',
        IpPermissions: [
          expect.objectContaining({
            IpProtocol: 'tcp',
            FromPort: 5432,
            ToPort: 5432,
            UserIdGroupPairs: [{ GroupId: apps.GroupId, UserId: '123456789012' }],
          }),
        ],
        IpPermissionsEgress: model?.IpPermissionsEgress.map((p): unknown =>
          expect.objectContaining({ IpProtocol: p.IpProtocol, IpRanges: p.IpRanges }),
        ),
      }),
    ]);
    const rules = await awsJson<{
      SecurityGroupRules: { IsEgress: boolean; ReferencedGroupInfo?: { GroupId: string } }[];
    }>(['describe-security-group-rules', '--filters', `Name=group-id,Values=${db.GroupId}`]);
    expect(
      rules.SecurityGroupRules.map((r) => [r.IsEgress, r.ReferencedGroupInfo?.GroupId]),
    ).toEqual(
      expect.arrayContaining([
        [false, apps.GroupId],
        [true, undefined],
      ]),
    );
    const again = await aws([
      'authorize-security-group-ingress',
      '--group-id',
      db.GroupId,
      '--protocol',
      'tcp',
      '--port',
      '5432',
      '--source-group',
      apps.GroupId,
    ]);
    expect(again.stderr).toContain('(InvalidPermission.Duplicate)');
    await awsJson(['create-tags', '--resources', db.GroupId, '--tags', 'Key=role,Value=database']);
    const tagged = await awsJson<{ SecurityGroups: { GroupId: string }[] }>([
      'describe-security-groups',
      '--filters',
      'Name=tag:role,Values=database',
    ]);
    expect(tagged.SecurityGroups.map((g) => g.GroupId)).toEqual([db.GroupId]);
    const inUse = await aws(['delete-security-group', '--group-id', apps.GroupId]);
    expect(inUse.stderr).toContain('(DependencyViolation)');
  });

  it('tags and untags an interface', async () => {
    const [eni] = await ec2.listNetworkInterfaces({ interfaceType: 'trunk' });
    const id = eni?.networkInterfaceId ?? '';
    await awsJson([
      'create-tags',
      '--resources',
      id,
      '--tags',
      'Key=team,Value=net',
      'Key=tier,Value=1',
    ]);
    await awsJson(['delete-tags', '--resources', id, '--tags', 'Key=tier']);
    const tags = await awsJson<{
      NetworkInterfaces: { TagSet: { Key: string; Value: string }[] }[];
    }>(['describe-network-interfaces', '--network-interface-ids', id]);
    expect(tags.NetworkInterfaces[0]?.TagSet).toEqual(
      expect.arrayContaining([{ Key: 'team', Value: 'net' }]),
    );
    expect(tags.NetworkInterfaces[0]?.TagSet.some((t) => t.Key === 'tier')).toBe(false);
  });

  it('refuses a wrong secret, answers DryRun, denied actions and an account without trunking as EC2', async () => {
    const forged = await aws(['describe-subnets'], 'not-the-secret');
    expect(forged.stderr).toContain('(SignatureDoesNotMatch)');
    const dry = await aws(['describe-subnets', '--dry-run']);
    expect(dry.stderr).toContain('(DryRunOperation)');
    server.setPermissions({ deny: ['ec2:DeleteNetworkInterface'], trunkingAllowed: false });
    try {
      const denied = await aws([
        'delete-network-interface',
        '--network-interface-id',
        'eni-0123456789abcdef0',
        '--dry-run',
      ]);
      expect(denied.stderr).toContain('(UnauthorizedOperation)');
      expect(denied.stderr).toContain('Encoded authorization failure message');
      const trunking = await aws(['describe-trunk-interface-associations', '--dry-run']);
      expect(trunking.stderr).toContain('(OperationNotPermitted)');
    } finally {
      server.setPermissions({});
    }
  });

  it('answers bad input with EC2 codes: huge MaxResults, unknown filters, malformed ids, unknown ids', async () => {
    const huge = await aws(['describe-network-interfaces', '--max-results', '5000']);
    expect(huge.stderr).toContain('(InvalidParameterValue)');
    const filter = await aws([
      'describe-network-interfaces',
      '--filters',
      'Name=colour,Values=red',
    ]);
    expect(filter.stderr).toContain('(InvalidParameterValue)');
    const malformed = await aws(['delete-network-interface', '--network-interface-id', 'eni-XYZ']);
    expect(malformed.stderr).toContain('(InvalidNetworkInterfaceID.Malformed)');
    const unknown = await aws(['describe-instances', '--instance-ids', 'i-0fffffffffffffff0']);
    expect(unknown.stderr).toContain('(InvalidInstanceID.NotFound)');
  });
  it('moves a branch to another trunk of its zone and refuses a trunk of another zone', async () => {
    /** A trunk attached to a new instance of `subnetId`, made on the model (not under test). */
    const trunkIn = async (subnetId: string): Promise<string> => {
      const instance = ec2.addInstance({ instanceType: 'c5.4xlarge', subnetId });
      const trunk = await ec2.createNetworkInterface({
        subnetId,
        groupIds: [SG_NODE],
        description: 'aws-k8s-trunk-eni',
        tags: {},
        interfaceType: 'trunk',
        clientToken: `trunk-${instance.instanceId}`,
      });
      await ec2.attachNetworkInterface({
        networkInterfaceId: trunk.networkInterfaceId,
        instanceId: instance.instanceId,
        deviceIndex: 1,
      });
      return trunk.networkInterfaceId;
    };
    const [here, there, otherZone] = [
      await trunkIn(SUBNET),
      await trunkIn(SUBNET),
      await trunkIn(SUBNET_B),
    ];
    const branch = await ec2.createNetworkInterface({
      subnetId: SUBNET,
      groupIds: [SG_NODE],
      description: 'aws-k8s-branch-eni',
      tags: {},
      interfaceType: 'branch',
      clientToken: 'branch-to-move',
    });
    const branchId = branch.networkInterfaceId;
    const associate = (trunkId: string) =>
      aws([
        'associate-trunk-interface',
        '--trunk-interface-id',
        trunkId,
        '--branch-interface-id',
        branchId,
        '--vlan-id',
        '3',
      ]);
    const first = JSON.parse((await associate(here)).stdout) as {
      InterfaceAssociation: { AssociationId: string };
    };
    await awsJson([
      'disassociate-trunk-interface',
      '--association-id',
      first.InterfaceAssociation.AssociationId,
    ]);

    const refused = await associate(otherZone);
    expect(refused.status).not.toBe(0);
    expect(refused.stderr).toContain('(InvalidParameterCombination)');
    const moved = await associate(there);
    expect(moved.stderr).toBe('');
    const described = await awsJson<{
      InterfaceAssociations: { TrunkInterfaceId: string; VlanId: number }[];
    }>([
      'describe-trunk-interface-associations',
      '--filters',
      `Name=trunk-interface-association.branch-interface-id,Values=${branchId}`,
    ]);
    expect(described.InterfaceAssociations).toEqual([
      expect.objectContaining({ TrunkInterfaceId: there, VlanId: 3 }),
    ]);
    const subnets = await awsJson<{ Subnets: { SubnetId: string; AvailabilityZone: string }[] }>([
      'describe-subnets',
      '--subnet-ids',
      SUBNET_B,
    ]);
    expect(subnets.Subnets).toEqual([
      expect.objectContaining({ SubnetId: SUBNET_B, AvailabilityZone: 'us-west-2b' }),
    ]);
  });
});
