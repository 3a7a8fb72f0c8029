import { it } from 'vitest';
import { FakeEc2, FakeEc2Server, VirtualClock } from '@podsg/adapters-fake';
import { Ec2NetworkInterfaceApi } from './Ec2NetworkInterfaceApi.js';

const GOAL_PER_SECOND = 500;

/**
 * EC2 round trips through the whole wire: the SDK adapter signs a Query request, the emulator
 * verifies SigV4, runs FakeEc2 and answers XML, the SDK parses it. Describe round trips (one
 * subnet, and one page of 50 interfaces) sequentially and 8 at a time, and create+delete pairs.
 */
it('Ec2NetworkInterfaceApi → FakeEc2Server: round trips per second', async () => {
  const ec2 = new FakeEc2({
    clock: new VirtualClock(),
    vpc: { id: 'vpc-0a1b2c3d', cidr: '10.0.0.0/16' },
    subnets: [{ id: 'subnet-0a1b2c3d', cidr: '10.0.0.0/20' }],
    securityGroups: ['sg-0123456789abcdef0'],
    throttle: false,
  });
  for (let i = 0; i < 50; i++) {
    await ec2.createNetworkInterface({
      subnetId: 'subnet-0a1b2c3d',
      groupIds: ['sg-0123456789abcdef0'],
      description: 'aws-k8s-branch-eni',
      tags: { 'kubernetes.io/cluster/demo': 'owned' },
      interfaceType: 'branch',
      clientToken: `seed-${i}`,
    });
  }
  const server = await FakeEc2Server.start({ ec2 });
  const api = new Ec2NetworkInterfaceApi({
    region: server.region,
    endpoint: server.url,
    credentials: server.credentials,
    clusterName: 'demo',
  });
  const rate = async (
    count: number,
    concurrency: number,
    call: (i: number) => Promise<unknown>,
  ) => {
    let next = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < count) await call(next++);
      }),
    );
    return (count * 1000) / (performance.now() - started);
  };
  try {
    await rate(200, 4, () => api.describeSubnet('subnet-0a1b2c3d')); // warm-up
    const sequential = await rate(1000, 1, () => api.describeSubnet('subnet-0a1b2c3d'));
    const parallel = await rate(2000, 8, () => api.describeSubnet('subnet-0a1b2c3d'));
    const listing = await rate(300, 8, () =>
      api.listNetworkInterfaces({ tags: { 'kubernetes.io/cluster/demo': 'owned' } }),
    );
    const churn = await rate(300, 8, async (i) => {
      const eni = await api.createNetworkInterface({
        subnetId: 'subnet-0a1b2c3d',
        groupIds: ['sg-0123456789abcdef0'],
        description: 'aws-k8s-branch-eni',
        tags: {},
        interfaceType: 'branch',
        clientToken: `churn-${i}`,
      });
      await api.deleteNetworkInterface(eni.networkInterfaceId);
    });
    const verdict = parallel >= GOAL_PER_SECOND ? 'met' : 'NOT met';
    console.log(
      `EC2 over HTTP (SDK adapter → FakeEc2Server): DescribeSubnets ${sequential.toFixed(0)}/s sequential, ` +
        `${parallel.toFixed(0)}/s with 8 in flight (goal ≥ ${GOAL_PER_SECOND}/s: ${verdict}); ` +
        `DescribeNetworkInterfaces of 50 ${listing.toFixed(0)}/s; create+delete pairs ${churn.toFixed(0)}/s`,
    );
  } finally {
    api.destroy();
    await server.close();
  }
});
