import {
  BranchController,
  HAS_TRUNK_ATTACHED_LABEL,
  POD_ENI_ANNOTATION,
  decodePodEniAnnotation,
} from '@podsg/allocator';
import { FakeCluster, FakeEc2 } from '@podsg/adapters-fake';
import { expect, it } from 'vitest';
import { SystemClock } from '../../clock/SystemClock.js';
import { startEmulatedApiServer } from './emulatedApiServer.spec.helpers.js';
import { KubernetesClusterApi } from './KubernetesClusterApi.js';

/**
 * The allocator's `BranchController` driving the cluster through `KubernetesClusterApi` over
 * HTTPS (EC2 stays in memory): it advertises capacity on the node's status, sees the pods the
 * scheduler then binds, and annotates each under its UID, as the controller user the annotation
 * guard accepts.
 */
const SUBNET = 'subnet-0a1b2c3d';
const SG_WEB = 'sg-0123456789abcdef0';

it('BranchController allocates branches for pods through KubernetesClusterApi', async () => {
  const clock = new SystemClock();
  const ec2 = new FakeEc2({
    clock,
    seed: 7,
    vpc: { id: 'vpc-0a1b2c3d', cidr: '10.0.0.0/16' },
    subnets: [{ id: SUBNET, cidr: '10.0.0.0/20' }],
    securityGroups: [SG_WEB, 'sg-00000000000000001'],
    latencyMs: { min: 1, max: 3 },
  });
  const cluster = new FakeCluster({ clock, seed: 3 });
  const instance = ec2.addInstance({
    instanceType: 'c5.large',
    subnetId: SUBNET,
    groupIds: ['sg-00000000000000001'],
  });
  cluster.addNode({
    name: 'node-a',
    instanceId: instance.instanceId,
    instanceType: 'c5.large',
    labels: { [HAS_TRUNK_ATTACHED_LABEL]: 'true' },
  });
  const { server, kubeConfig, admin } = await startEmulatedApiServer(cluster);
  cluster.applyPolicy({
    apiVersion: 'vpcresources.k8s.aws/v1beta1',
    kind: 'SecurityGroupPolicy',
    metadata: { name: 'web', namespace: 'default' },
    spec: { podSelector: { matchLabels: { app: 'web' } }, securityGroups: { groupIds: [SG_WEB] } },
  });
  const api = new KubernetesClusterApi({ kubeConfig });
  const controller = new BranchController({
    networkInterfaces: ec2,
    cluster: api,
    clock,
    options: { clusterName: 'demo' },
  });
  try {
    await controller.start();
    for (let i = 0; i < 4; i++) {
      await cluster.createPod({
        metadata: { name: `web-${i}`, namespace: 'default', labels: { app: 'web' } },
        spec: { containers: [{ name: 'app', image: 'nginx' }] },
      });
    }
    const annotations = () =>
      cluster.pods().map((pod) => pod.annotations[POD_ENI_ANNOTATION] ?? null);
    const deadline = Date.now() + 20_000;
    while (annotations().some((value) => value === null)) {
      if (Date.now() > deadline)
        throw new Error(`not every pod was annotated: ${JSON.stringify(annotations())}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const branches = annotations().map((value) => decodePodEniAnnotation(value ?? '[]')[0]);
    expect(new Set(branches.map((b) => b?.vlanId)).size).toBe(4);
    expect(cluster.nodes()[0]?.capacity['vpc.amazonaws.com/pod-eni']).toBeGreaterThan(0);
    expect(cluster.events().map((e) => e.reason)).toContain('ResourceAllocated');
  } finally {
    await controller.stop();
    await api.close();
    admin.close();
    await server.close();
  }
}, 60_000);
