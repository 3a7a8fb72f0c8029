import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { it } from 'vitest';
import { FakeEc2, FakeEc2Server, VirtualClock } from '@podsg/adapters-fake';
import type { Ec2Credentials } from '@podsg/adapters-fake';
import { Ec2NetworkInterfaceApi } from './Ec2NetworkInterfaceApi.js';

const GOAL_PER_SECOND = 500;
const SUBNET = 'subnet-0a1b2c3d';
const SG = 'sg-0123456789abcdef0';
const TAG = 'kubernetes.io/cluster/demo';

function model(): FakeEc2 {
  return new FakeEc2({
    clock: new VirtualClock(),
    vpc: { id: 'vpc-0a1b2c3d', cidr: '10.0.0.0/16' },
    subnets: [{ id: SUBNET, cidr: '10.0.0.0/20' }],
    securityGroups: [SG],
    throttle: false,
  });
}

/** Round trips per second of `call`, `concurrency` in flight. */
async function rate(
  count: number,
  concurrency: number,
  call: (i: number) => Promise<unknown>,
): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) await call(next++);
    }),
  );
  return (count * 1000) / (performance.now() - started);
}

async function measure(url: string, region: string, credentials: Ec2Credentials) {
  const api = new Ec2NetworkInterfaceApi({
    region,
    endpoint: url,
    credentials,
    clusterName: 'demo',
  });
  try {
    await rate(300, 4, () => api.describeSubnet(SUBNET)); // warm-up
    const sequential = await rate(1000, 1, () => api.describeSubnet(SUBNET));
    const parallel = await rate(2000, 8, () => api.describeSubnet(SUBNET));
    const listing = await rate(300, 8, () =>
      api.listNetworkInterfaces({ tags: { [TAG]: 'owned' } }),
    );
    const churn = await rate(300, 8, async (i) => {
      const eni = await api.createNetworkInterface({
        subnetId: SUBNET,
        groupIds: [SG],
        description: 'aws-k8s-branch-eni',
        tags: {},
        interfaceType: 'branch',
        clientToken: `churn-${i}`,
      });
      await api.deleteNetworkInterface(eni.networkInterfaceId);
    });
    return { sequential, parallel, listing, churn };
  } finally {
    api.destroy();
  }
}

const figures = (f: Awaited<ReturnType<typeof measure>>): string =>
  `DescribeSubnets ${f.sequential.toFixed(0)}/s sequential, ${f.parallel.toFixed(0)}/s with 8 in flight; ` +
  `DescribeNetworkInterfaces of 50 ${f.listing.toFixed(0)}/s; create+delete pairs ${f.churn.toFixed(0)}/s`;

async function seed(ec2: FakeEc2): Promise<void> {
  for (let i = 0; i < 50; i++) {
    await ec2.createNetworkInterface({
      subnetId: SUBNET,
      groupIds: [SG],
      description: 'aws-k8s-branch-eni',
      tags: { [TAG]: 'owned' },
      interfaceType: 'branch',
      clientToken: `seed-${i}`,
    });
  }
}

/**
 * EC2 round trips through the whole wire: the SDK adapter signs a Query request, the emulator
 * verifies SigV4, runs FakeEc2 and answers XML, the SDK parses it. Measured twice side by side:
 * the emulator in this process (one core for both ends), and in its own process, as
 * `podsgd dev` runs it (the goal applies to this one). `npm run bench` builds first; the child
 * runs the built `@podsg/adapters-fake`.
 */
it('Ec2NetworkInterfaceApi → FakeEc2Server: round trips per second', async () => {
  const ec2 = model();
  await seed(ec2);
  const server = await FakeEc2Server.start({ ec2 });
  let inProcess;
  try {
    inProcess = await measure(server.url, server.region, server.credentials);
  } finally {
    await server.close();
  }

  const dist = fileURLToPath(new URL('../../../adapters-fake/dist/index.js', import.meta.url));
  const script = `
    const { FakeEc2, FakeEc2Server, VirtualClock } = await import(${JSON.stringify(dist)});
    const ec2 = new FakeEc2({ clock: new VirtualClock(), vpc: { id: 'vpc-0a1b2c3d', cidr: '10.0.0.0/16' },
      subnets: [{ id: '${SUBNET}', cidr: '10.0.0.0/20' }], securityGroups: ['${SG}'], throttle: false });
    for (let i = 0; i < 50; i++) await ec2.createNetworkInterface({ subnetId: '${SUBNET}', groupIds: ['${SG}'],
      description: 'aws-k8s-branch-eni', tags: { '${TAG}': 'owned' }, interfaceType: 'branch', clientToken: 'seed-' + i });
    const server = await FakeEc2Server.start({ ec2 });
    process.stdout.write(JSON.stringify({ url: server.url, region: server.region, credentials: server.credentials }) + '\\n');
    process.stdin.on('end', () => server.close()).resume();`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  try {
    const [line] = (await once(child.stdout, 'data')) as [Buffer];
    const started = JSON.parse(line.toString('utf8')) as {
      url: string;
      region: string;
      credentials: Ec2Credentials;
    };
    const apart = await measure(started.url, started.region, started.credentials);
    const verdict = apart.parallel >= GOAL_PER_SECOND ? 'met' : 'NOT met';
    console.log(`EC2 over HTTP, emulator in this process: ${figures(inProcess)}`);
    console.log(
      `EC2 over HTTP, emulator in its own process: ${figures(apart)} ` +
        `(goal ≥ ${GOAL_PER_SECOND} describe round trips/s with 8 in flight: ${verdict})`,
    );
  } finally {
    child.stdin.end();
    child.kill();
  }
});
