import { describe, expect, it } from 'vitest';
import { POD_ENI_ANNOTATION, RELEASED_BRANCHES_ANNOTATION } from '@podsg/allocator';
import { FakeCluster } from './FakeCluster.js';
import { FakeReleaseConfirmer } from './FakeReleaseConfirmer.js';
import { VirtualClock } from './VirtualClock.js';

const CONTROLLER = 'system:serviceaccount:kube-system:podsg-controller';

function branchAnnotation(eniId: string, vlanId: number): string {
  return JSON.stringify([
    {
      eniId,
      ifAddress: '02:00:00:00:00:01',
      privateIp: '10.0.0.5',
      vlanId,
      subnetCidr: '10.0.0.0/20',
    },
  ]);
}

function setup(options: { retentionMs?: number } = {}) {
  const clock = new VirtualClock();
  const cluster = new FakeCluster({ clock, podTerminationMs: 1000 });
  cluster.addNode({ name: 'node-a', instanceId: 'i-0123456789abcdef0', instanceType: 'c5.large' });
  const confirmer = new FakeReleaseConfirmer({ cluster, clock, ...options });
  confirmer.start();
  const pod = async (name: string, eniId: string | null, vlanId = 1): Promise<string> => {
    const created = await cluster.createPod({
      metadata: { name, namespace: 'default' },
      spec: { nodeName: 'node-a', containers: [{ name: 'app', image: 'nginx' }] },
    });
    if (eniId !== null) {
      await cluster.setPodAnnotations(
        'default',
        name,
        { [POD_ENI_ANNOTATION]: branchAnnotation(eniId, vlanId) },
        { username: CONTROLLER },
      );
    }
    return (created as { metadata: { uid: string } }).metadata.uid;
  };
  const published = (): unknown[] =>
    JSON.parse(cluster.nodes()[0]?.annotations[RELEASED_BRANCHES_ANNOTATION] ?? '[]') as unknown[];
  return { clock, cluster, confirmer, pod, published };
}

describe('FakeReleaseConfirmer', () => {
  it('publishes a branch pod removal at the next scan, and the node view carries it parsed', async () => {
    const { clock, cluster, pod, published } = setup();
    const uid = await pod('web-1', 'eni-0a1b2c3d4e5f60718', 3);
    await clock.advance(100);
    await cluster.deletePod('default', 'web-1');
    await clock.advance(999); // terminating until t = 1.1 s
    expect(published()).toEqual([]);
    await clock.advance(1_000); // removed at 1.1 s, published at the 2 s scan
    const entry = { eniId: 'eni-0a1b2c3d4e5f60718', vlanId: 3, podUid: uid };
    expect(published()).toEqual([{ ...entry, releasedAt: '1970-01-01T00:00:01.100Z' }]);
    expect(cluster.nodes()[0]?.releasedBranches).toEqual([
      { ...entry, releasedAt: '1970-01-01T00:00:01.100Z' },
    ]);
  });

  it('confirms nothing for a pod without a branch', async () => {
    const { clock, cluster, pod, published } = setup();
    await pod('plain', null);
    await cluster.deletePod('default', 'plain', { gracePeriodSeconds: 0 });
    await clock.advance(5_000);
    expect(published()).toEqual([]);
    expect(cluster.nodes()[0]?.releasedBranches).toBeUndefined();
  });

  it('drops entries older than the retention when it next publishes', async () => {
    const { clock, cluster, pod, published } = setup({ retentionMs: 10_000 });
    await pod('web-1', 'eni-0a1b2c3d4e5f60718', 3);
    await pod('web-2', 'eni-0a1b2c3d4e5f60719', 4);
    await cluster.deletePod('default', 'web-1', { gracePeriodSeconds: 0 });
    await clock.advance(20_000);
    await cluster.deletePod('default', 'web-2', { gracePeriodSeconds: 0 });
    await clock.advance(1_000);
    expect(published().map((entry) => (entry as { vlanId: number }).vlanId)).toEqual([4]);
  });
});
