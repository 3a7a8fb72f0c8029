import { describe, expect, it } from 'vitest';
import type { ClusterApi, ClusterChange, ClusterPod, ClusterSnapshot } from '@podsg/allocator';
import { PodCache } from './PodCache.js';

const annotation = JSON.stringify([
  {
    eniId: 'eni-0a1b2c3d4e5f67890',
    ifAddress: '02:6d:a1:b2:c3:d4',
    privateIp: '10.0.5.21',
    vlanId: 4,
    subnetCidr: '10.0.0.0/20',
  },
]);

function pod(name: string, overrides: Partial<ClusterPod> = {}): ClusterPod {
  return {
    namespace: 'default',
    name,
    uid: `uid-${name}`,
    labels: {},
    annotations: {},
    serviceAccountName: 'default',
    nodeName: 'node-a',
    phase: 'Pending',
    requestsPodEni: false,
    hostNetwork: false,
    terminating: false,
    resourceVersion: '1',
    ...overrides,
  };
}

/** A minimal cluster event source: a list, then changes pushed by the test. */
class ScriptedCluster implements Pick<ClusterApi, 'list' | 'watch'> {
  listener: ((change: ClusterChange) => void) | undefined;
  readonly #pods: ClusterPod[];
  constructor(pods: ClusterPod[]) {
    this.#pods = pods;
  }
  list(): Promise<ClusterSnapshot> {
    return Promise.resolve({
      pods: this.#pods,
      nodes: [],
      serviceAccounts: [],
      securityGroupPolicies: [],
    });
  }
  watch(listener: (change: ClusterChange) => void): () => void {
    this.listener = listener;
    return () => {
      this.listener = undefined;
    };
  }
  push(change: ClusterChange): void {
    this.listener?.(change);
  }
}

function cacheOf(pods: ClusterPod[]): {
  cache: PodCache;
  cluster: ScriptedCluster;
  warnings: string[];
} {
  const cluster = new ScriptedCluster(pods);
  const warnings: string[] = [];
  const cache = new PodCache({
    cluster,
    nodeName: 'node-a',
    trunkLink: 'eth1',
    log: { info: () => undefined, warn: (message) => warnings.push(message) },
  });
  return { cache, cluster, warnings };
}

describe('PodCache', () => {
  it('is not synced and knows nothing before start', () => {
    const { cache } = cacheOf([pod('web')]);
    expect(cache.synced).toBe(false);
    expect(cache.answerFor('default', 'web')).toBeNull();
  });

  it('answers for the pods of its node only', async () => {
    const { cache } = cacheOf([
      pod('web'),
      pod('elsewhere', { nodeName: 'node-b' }),
      pod('unscheduled', { nodeName: null }),
    ]);
    await cache.start();
    expect(cache.synced).toBe(true);
    expect(cache.answerFor('default', 'web')).toEqual({ podUid: 'uid-web', required: false });
    expect(cache.answerFor('default', 'elsewhere')).toBeNull();
    expect(cache.answerFor('default', 'unscheduled')).toBeNull();
    expect(cache.size).toBe(1);
  });

  it('answers required with the branch of element 0 and the trunk link', async () => {
    const { cache } = cacheOf([
      pod('api', {
        requestsPodEni: true,
        annotations: { 'vpc.amazonaws.com/pod-eni': annotation },
      }),
    ]);
    await cache.start();
    expect(cache.answerFor('default', 'api')).toEqual({
      podUid: 'uid-api',
      required: true,
      branch: {
        eniId: 'eni-0a1b2c3d4e5f67890',
        ifAddress: '02:6d:a1:b2:c3:d4',
        privateIp: '10.0.5.21',
        vlanId: 4,
        subnetCidr: '10.0.0.0/20',
      },
      trunkLink: 'eth1',
    });
  });

  it('ignores an annotation on a pod that requests no branch', async () => {
    const { cache } = cacheOf([
      pod('web', { annotations: { 'vpc.amazonaws.com/pod-eni': annotation } }),
    ]);
    await cache.start();
    expect(cache.answerFor('default', 'web')).toEqual({ podUid: 'uid-web', required: false });
  });

  it('follows the watch: annotation arrives, pod moves away, pod is deleted', async () => {
    const waiting = pod('api', { requestsPodEni: true });
    const { cache, cluster } = cacheOf([waiting]);
    await cache.start();
    expect(cache.answerFor('default', 'api')).toMatchObject({ required: true, branch: null });

    cluster.push({
      kind: 'Pod',
      type: 'upsert',
      pod: { ...waiting, annotations: { 'vpc.amazonaws.com/pod-eni': annotation } },
    });
    expect(cache.answerFor('default', 'api')).toMatchObject({ branch: { vlanId: 4 } });

    cluster.push({ kind: 'Pod', type: 'upsert', pod: pod('late') });
    expect(cache.answerFor('default', 'late')).not.toBeNull();
    cluster.push({ kind: 'Pod', type: 'delete', pod: pod('late') });
    expect(cache.answerFor('default', 'late')).toBeNull();

    // Same name, new pod on another node: the old answer must not linger.
    cluster.push({
      kind: 'Pod',
      type: 'upsert',
      pod: pod('api', { uid: 'uid-api-2', nodeName: 'node-b' }),
    });
    expect(cache.answerFor('default', 'api')).toBeNull();
  });

  it('keeps the pod that now holds a name when a late delete of its predecessor arrives', async () => {
    const { cache, cluster } = cacheOf([pod('db', { uid: 'uid-new' })]);
    await cache.start();
    cluster.push({ kind: 'Pod', type: 'delete', pod: pod('db', { uid: 'uid-old' }) });
    expect(cache.answerFor('default', 'db')).toEqual({ podUid: 'uid-new', required: false });
  });

  it('treats a malformed annotation as not yet annotated and reports it once per change', async () => {
    const bad = pod('api', {
      requestsPodEni: true,
      annotations: { 'vpc.amazonaws.com/pod-eni': '[{"vlanId":"4"}]' },
    });
    const { cache, cluster, warnings } = cacheOf([bad]);
    await cache.start();
    expect(cache.answerFor('default', 'api')).toMatchObject({ required: true, branch: null });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('default/api');
    expect(warnings[0]).toContain('vlanId');

    cluster.push({ kind: 'Pod', type: 'upsert', pod: { ...bad, resourceVersion: '2' } });
    expect(warnings).toHaveLength(1);
    cluster.push({
      kind: 'Pod',
      type: 'upsert',
      pod: { ...bad, annotations: { 'vpc.amazonaws.com/pod-eni': 'nonsense' } },
    });
    expect(warnings).toHaveLength(2);
  });

  it('stops following changes after stop()', async () => {
    const { cache, cluster } = cacheOf([]);
    await cache.start();
    cache.stop();
    expect(cluster.listener).toBeUndefined();
  });
});
