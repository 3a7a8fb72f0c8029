import { FakeCluster, FakeEc2, FakeReleaseConfirmer, VirtualClock } from '@podsg/adapters-fake';
import { BranchController, HAS_TRUNK_ATTACHED_LABEL } from '@podsg/allocator';
import { expect, it } from 'vitest';
import { ControllerMetrics } from './ControllerMetrics.js';

const SG = 'sg-0123456789abcdef0';
const SUBNET = 'subnet-0a1b2c3d';

/**
 * A controller on the fakes with `ControllerMetrics` observing it, started: one c5.large per
 * node name in one subnet, the policy `web` (app=web → SG), and node agents confirming releases.
 */
async function startObserved(nodeNames: readonly string[]) {
  const clock = new VirtualClock();
  const ec2 = new FakeEc2({
    clock,
    vpc: { id: 'vpc-0a1b2c3d', cidr: '10.0.0.0/16' },
    subnets: [{ id: SUBNET, cidr: '10.0.0.0/20' }],
    securityGroups: [SG],
  });
  const cluster = new FakeCluster({ clock });
  for (const name of nodeNames) {
    const instance = ec2.addInstance({ instanceType: 'c5.large', subnetId: SUBNET });
    cluster.addNode({
      name,
      instanceId: instance.instanceId,
      instanceType: 'c5.large',
      labels: { [HAS_TRUNK_ATTACHED_LABEL]: 'true' },
    });
  }
  cluster.applyPolicy({
    apiVersion: 'vpcresources.k8s.aws/v1beta1',
    kind: 'SecurityGroupPolicy',
    metadata: { name: 'web', namespace: 'default' },
    spec: { podSelector: { matchLabels: { app: 'web' } }, securityGroups: { groupIds: [SG] } },
  });
  const confirmer = new FakeReleaseConfirmer({ cluster, clock });
  confirmer.start();
  const controller = new BranchController({
    networkInterfaces: ec2,
    cluster,
    clock,
    options: { clusterName: 'demo' },
  });
  const metrics = new ControllerMetrics();
  metrics.observeController(controller);
  const started = controller.start();
  await clock.advance(5_000);
  await started;
  return { clock, cluster, confirmer, controller, metrics };
}

it('counts the cooldowns that the node agents confirmed apart from the releases', async () => {
  const { clock, cluster, confirmer, controller, metrics } = await startObserved(['node-a']);
  for (const name of ['web-1', 'web-2']) {
    await cluster.createPod({
      metadata: { name, namespace: 'default', labels: { app: 'web' } },
      spec: { containers: [{ name: 'app', image: 'nginx' }] },
    });
  }
  await clock.advance(10_000);
  await cluster.deletePod('default', 'web-1');
  await clock.advance(5_000);
  confirmer.stop(); // web-2's release is never confirmed: its cooldown runs out
  await cluster.deletePod('default', 'web-2');
  await clock.advance(5_000);
  const text = await metrics.registry.metrics();
  expect(text).toMatch(/^podsg_branch_operations_total\{operation="released"\} 2$/m);
  expect(text).toMatch(/^podsg_branch_operations_total\{operation="release-confirmed"\} 1$/m);
  expect(controller.stats()).toMatchObject({ releasesConfirmed: 1, cooldownsExpired: 0 });
  await controller.stop();
});

it('counts a branch moved to another node as moved, not as created', async () => {
  const { clock, cluster, confirmer, controller, metrics } = await startObserved([
    'node-a',
    'node-b',
  ]);
  const podOn = (name: string, nodeName: string) =>
    cluster.createPod({
      metadata: { name, namespace: 'default', labels: { app: 'web' } },
      spec: { containers: [{ name: 'app', image: 'nginx' }], nodeName },
    });
  await podOn('web-1', 'node-a');
  await clock.advance(10_000);
  await cluster.deletePod('default', 'web-1');
  await clock.advance(5_000);
  await podOn('web-2', 'node-b');
  await clock.advance(5_000);
  const text = await metrics.registry.metrics();
  expect(text).toMatch(/^podsg_branch_operations_total\{operation="created"\} 1$/m);
  expect(text).toMatch(/^podsg_branch_operations_total\{operation="moved"\} 1$/m);
  expect(text).toMatch(/^podsg_pods_annotated_total 2$/m);
  expect(controller.stats()).toMatchObject({ created: 1, moved: 1 });
  confirmer.stop();
  await controller.stop();
});
