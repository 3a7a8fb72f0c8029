import { BranchController, HAS_TRUNK_ATTACHED_LABEL } from '@podsg/allocator';
import { FakeCluster, FakeEc2, VirtualClock } from '@podsg/adapters-fake';

const clock = new VirtualClock();
const ec2 = new FakeEc2({
  clock,
  seed: 1,
  vpc: { id: 'vpc-0a1b2c3d', cidr: '10.0.0.0/16' },
  subnets: [{ id: 'subnet-0a1b2c3d', cidr: '10.0.0.0/20' }],
  securityGroups: ['sg-0123456789abcdef0'],
  latencyMs: { min: 40, max: 300 },
});
const cluster = new FakeCluster({ clock });
const { instanceId } = ec2.addInstance({ instanceType: 'c5.4xlarge', subnetId: 'subnet-0a1b2c3d' });
cluster.addNode({
  name: 'node-a',
  instanceId,
  instanceType: 'c5.4xlarge',
  labels: { [HAS_TRUNK_ATTACHED_LABEL]: 'true' },
});
cluster.applyPolicy({
  apiVersion: 'vpcresources.k8s.aws/v1beta1',
  kind: 'SecurityGroupPolicy',
  metadata: { namespace: 'shop', name: 'web' },
  spec: {
    podSelector: { matchLabels: { app: 'web' } },
    securityGroups: { groupIds: ['sg-0123456789abcdef0'] },
  },
});

const controller = new BranchController({
  networkInterfaces: ec2,
  cluster,
  clock,
  options: { clusterName: 'demo', cooldownSeconds: 60, strategy: 'podsg' },
});
controller.events.on('allocated', (d) => {
  console.log(
    `t=${(clock.now() / 1000).toFixed(3)}s ${d.pod.name} got ${d.eniId} on VLAN ${d.vlanId}`,
  );
});

// A virtual clock stands still until driven: every fake EC2 call takes (virtual) latency, so
// `start()` only finishes while something moves the clock. Drive it while awaiting.
async function whileDriving<T>(work: Promise<T>): Promise<T> {
  const state = { settled: false };
  const done = work.finally(() => {
    state.settled = true;
  });
  while (!state.settled) await clock.advance(100);
  return done;
}

await whileDriving(controller.start()); // rebuilds from EC2 and the cluster, then follows the watch
for (const name of ['web-1', 'web-2']) {
  await cluster.createPod({
    metadata: { namespace: 'shop', name, labels: { app: 'web' } },
    spec: { containers: [{ name: 'web', image: 'nginx' }] },
  });
}
await clock.runUntil(60_000); // one simulated minute, in milliseconds of real time
console.log(JSON.stringify(ec2.callCounts()));
await controller.stop();
