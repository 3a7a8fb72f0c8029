import { it } from 'vitest';
import { POD_ENI_RESOURCE } from '@podsg/allocator';
import { FakeCluster } from './FakeCluster.js';
import { VirtualClock } from './VirtualClock.js';

/**
 * Admission, storage and scheduling cost of the fake API server: 20,000 pods (half matched by
 * a policy) on 400 nodes, then a watch replay after list(). Prints µs per pod.
 */
it('FakeCluster: create and schedule 20,000 pods', async () => {
  const clock = new VirtualClock();
  const cluster = new FakeCluster({ clock });
  cluster.applyPolicy({
    apiVersion: 'vpcresources.k8s.aws/v1beta1',
    kind: 'SecurityGroupPolicy',
    metadata: { name: 'web', namespace: 'default' },
    spec: {
      podSelector: { matchLabels: { app: 'web' } },
      securityGroups: { groupIds: ['sg-0123456789abcdef0'] },
    },
  });
  for (let n = 0; n < 400; n++) {
    cluster.addNode({ name: `node-${String(n).padStart(3, '0')}`, instanceType: 'c5.4xlarge' });
    await cluster.setNodeCapacity(`node-${String(n).padStart(3, '0')}`, POD_ENI_RESOURCE, 54);
  }
  await cluster.list();
  let delivered = 0;
  cluster.watch(() => delivered++);
  const count = 20_000;
  const started = performance.now();
  for (let i = 0; i < count; i++) {
    await cluster.createPod({
      metadata: {
        name: `pod-${i}`,
        namespace: 'default',
        labels: { app: i % 2 === 0 ? 'web' : 'db' },
      },
      spec: { containers: [{ name: 'app', image: 'nginx' }] },
    });
  }
  await clock.runUntilIdle();
  const wallMs = performance.now() - started;
  const scheduled = cluster.pods().filter((p) => p.nodeName !== null).length;
  console.log(
    `FakeCluster: ${count} pods created and ${scheduled} scheduled in ${wallMs.toFixed(0)} ms ` +
      `(${((wallMs * 1000) / count).toFixed(1)} µs per pod), ${delivered} watch changes delivered`,
  );
});
