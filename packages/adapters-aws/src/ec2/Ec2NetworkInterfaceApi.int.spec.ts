import { describe, expect, it } from 'vitest';
import { FakeEc2, FakeEc2Server, VirtualClock } from '@podsg/adapters-fake';
import { Ec2NetworkInterfaceApi } from './Ec2NetworkInterfaceApi.js';
import { networkInterfaceApiContract } from './networkInterfaceApiContract.js';

// The same contract twice: the in-memory model, and the SDK adapter over HTTP to the emulator
// over the same model. Same results, same error kinds and codes.
networkInterfaceApiContract('FakeEc2 in memory', (ec2, clock) =>
  Promise.resolve({ api: ec2, ec2, clock, close: () => Promise.resolve() }),
);

/** The adapter over HTTP to an emulator of `ec2`. */
async function overHttp(
  ec2: FakeEc2,
): Promise<{ api: Ec2NetworkInterfaceApi; close: () => Promise<void> }> {
  const server = await FakeEc2Server.start({ ec2 });
  const api = new Ec2NetworkInterfaceApi({
    region: server.region,
    endpoint: server.url,
    credentials: server.credentials,
    clusterName: 'demo',
  });
  return {
    api,
    close: async () => {
      api.destroy();
      await server.close();
    },
  };
}

networkInterfaceApiContract(
  'Ec2NetworkInterfaceApi → FakeEc2Server → FakeEc2',
  async (ec2, clock) => ({
    ...(await overHttp(ec2)),
    ec2,
    clock,
  }),
);

describe('Ec2NetworkInterfaceApi security group lookups', () => {
  it('describes the groups that exist and names the ones missing from a VPC, across id chunks', async () => {
    const ec2 = new FakeEc2({
      clock: new VirtualClock(),
      vpc: { id: 'vpc-0a1b2c3d', cidr: '10.0.0.0/16' },
      subnets: [],
      securityGroups: ['sg-0123456789abcdef0', { id: 'sg-00000000000000aaa', vpcId: 'vpc-0ffff' }],
    });
    const { groupId } = ec2.createSecurityGroup({ groupName: 'rds-access', description: 'apps' });
    const { api, close } = await overHttp(ec2);
    try {
      expect(await api.describeSecurityGroups([groupId, 'sg-0000000000000dead', groupId])).toEqual([
        { groupId, groupName: 'rds-access', vpcId: 'vpc-0a1b2c3d' },
      ]);
      const many = Array.from({ length: 250 }, (_, i) => `sg-${i.toString(16).padStart(17, '0')}`);
      expect(
        await api.missingSecurityGroups('vpc-0a1b2c3d', [
          groupId,
          'sg-00000000000000aaa',
          'sg-0123456789abcdef0',
          ...many,
        ]),
      ).toEqual(['sg-00000000000000aaa', ...many].sort());
    } finally {
      await close();
    }
  });
});
