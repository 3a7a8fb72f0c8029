import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EC2_API_NAMES } from '@podsg/allocator';
import { FakeEc2, FakeEc2Server, VirtualClock } from '@podsg/adapters-fake';
import { preflightEc2Permissions } from './preflightEc2Permissions.js';

describe('preflightEc2Permissions against FakeEc2Server', () => {
  let ec2: FakeEc2;
  let server: FakeEc2Server;

  beforeAll(async () => {
    ec2 = new FakeEc2({
      clock: new VirtualClock(),
      vpc: { id: 'vpc-0a1b2c3d', cidr: '10.0.0.0/16' },
      subnets: [{ id: 'subnet-0a1b2c3d', cidr: '10.0.0.0/20' }],
      securityGroups: ['sg-0123456789abcdef0'],
    });
    server = await FakeEc2Server.start({ ec2 });
  });

  afterAll(async () => {
    await server.close();
  });

  const options = () => ({
    region: server.region,
    endpoint: server.url,
    credentials: server.credentials,
    clusterName: 'demo',
  });

  it('finds every action allowed with DryRun and changes nothing', async () => {
    server.setPermissions({});
    const report = await preflightEc2Permissions(options(), { subnetId: 'subnet-0a1b2c3d' });
    expect(report.actions.map((a) => a.action)).toEqual([
      ...EC2_API_NAMES,
      'DescribeSecurityGroups',
    ]);
    expect(report.actions.every((a) => a.allowed && a.verified)).toBe(true);
    expect({ allAllowed: report.allAllowed, trunkingAllowed: report.trunkingAllowed }).toEqual({
      allAllowed: true,
      trunkingAllowed: true,
    });
    expect(ec2.calls()).toEqual([]);
    expect(server.requests().every((r) => r.code === 'DryRunOperation')).toBe(true);
  });

  it('names the exact missing permission of a denied action', async () => {
    server.setPermissions({ deny: ['ec2:AssociateTrunkInterface', 'CreateTags'] });
    const report = await preflightEc2Permissions(options());
    const denied = report.actions.filter((a) => !a.allowed);
    expect(denied.map((a) => [a.action, a.missingPermission, a.code])).toEqual([
      ['CreateTags', 'ec2:CreateTags', 'UnauthorizedOperation'],
      ['AssociateTrunkInterface', 'ec2:AssociateTrunkInterface', 'UnauthorizedOperation'],
    ]);
    expect(report.trunkingAllowed).toBe(false);
  });

  it('tells an account not allowlisted for trunking, IAM permissions notwithstanding', async () => {
    server.setPermissions({ trunkingAllowed: false });
    const report = await preflightEc2Permissions(options());
    expect(report.trunkingAllowed).toBe(false);
    expect(
      report.actions.filter((a) => !a.allowed).map((a) => [a.action, a.code, a.missingPermission]),
    ).toEqual([
      ['CreateNetworkInterface', 'OperationNotPermitted', undefined],
      ['AssociateTrunkInterface', 'OperationNotPermitted', undefined],
      ['DisassociateTrunkInterface', 'OperationNotPermitted', undefined],
      ['DescribeTrunkInterfaceAssociations', 'OperationNotPermitted', undefined],
    ]);
  });

  it('reports wrong credentials on every action', async () => {
    server.setPermissions({});
    const report = await preflightEc2Permissions({
      ...options(),
      credentials: { accessKeyId: server.credentials.accessKeyId, secretAccessKey: 'wrong' },
    });
    expect(new Set(report.actions.map((a) => `${String(a.allowed)} ${a.code ?? ''}`))).toEqual(
      new Set(['false SignatureDoesNotMatch']),
    );
  });
});
