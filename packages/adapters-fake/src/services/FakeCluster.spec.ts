import { describe, expect, it } from 'vitest';
import { AllocatorError } from '@podsg/allocator';
import type { AllocatorErrorKind, ClusterChange } from '@podsg/allocator';
import { FakeCluster } from './FakeCluster.js';
import { VirtualClock } from './VirtualClock.js';
import type { FakeClusterOptions } from '../models/FakeClusterOptions.js';

const POD_ENI = 'vpc.amazonaws.com/pod-eni';

function setup(options: Partial<FakeClusterOptions> = {}) {
  const clock = new VirtualClock();
  const cluster = new FakeCluster({ clock, seed: 3, ...options });
  return { clock, cluster };
}

const policy = (
  name: string,
  labels: Record<string, string>,
  groupIds: string[],
  namespace = 'default',
) => ({
  apiVersion: 'vpcresources.k8s.aws/v1beta1',
  kind: 'SecurityGroupPolicy',
  metadata: { name, namespace },
  spec: { podSelector: { matchLabels: labels }, securityGroups: { groupIds } },
});

const pod = (
  name: string,
  labels: Record<string, string> = {},
  extra: Record<string, unknown> = {},
) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'default', labels },
  spec: { containers: [{ name: 'app', image: 'nginx' }], ...extra },
});

async function rejection(promise: Promise<unknown>): Promise<AllocatorError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof AllocatorError) return error;
    throw error;
  }
  throw new Error('expected a rejection');
}

function expectKind(error: AllocatorError, kind: AllocatorErrorKind, message?: RegExp): void {
  expect(error.kind).toBe(kind);
  if (message) expect(error.message).toMatch(message);
}

describe('FakeCluster admission', () => {
  it('injects the pod-eni resource into pods a policy matches, and only those', async () => {
    const { cluster } = setup();
    cluster.applyPolicy(policy('web', { app: 'web' }, ['sg-0123456789abcdef0']));
    const matched = await cluster.createPod(pod('web-1', { app: 'web' }));
    const other = await cluster.createPod(pod('db-1', { app: 'db' }));
    expect(matched).toMatchObject({
      spec: {
        containers: [{ resources: { requests: { [POD_ENI]: '1' }, limits: { [POD_ENI]: '1' } } }],
      },
      metadata: { uid: expect.stringMatching(/^[0-9a-f-]{36}$/) },
      status: { phase: 'Pending' },
    });
    expect(JSON.stringify(other)).not.toContain(POD_ENI);
    const byName = Object.fromEntries(cluster.pods().map((p) => [p.name, p]));
    expect(byName['web-1']).toMatchObject({
      requestsPodEni: true,
      podEniRequest: 1,
      serviceAccountName: 'default',
    });
    expect(byName['db-1']?.requestsPodEni).toBe(false);
  });

  it('matches service account selectors with the cluster’s own service accounts', async () => {
    const { cluster } = setup();
    cluster.applyServiceAccount({
      metadata: { name: 'payments', namespace: 'default', labels: { team: 'pay' } },
    });
    cluster.applyPolicy({
      ...policy('sa', {}, ['sg-0123456789abcdef0']),
      spec: {
        serviceAccountSelector: { matchLabels: { team: 'pay' } },
        securityGroups: { groupIds: ['sg-0123456789abcdef0'] },
      },
    });
    const matched = await cluster.createPod(pod('p1', {}, { serviceAccountName: 'payments' }));
    const unmatched = await cluster.createPod(pod('p2'));
    expect(JSON.stringify(matched)).toContain(POD_ENI);
    expect(JSON.stringify(unmatched)).not.toContain(POD_ENI);
  });

  it('refuses invalid policies naming the field, and a pod created with the annotation', async () => {
    const { cluster } = setup();
    expectKind(
      (() => {
        try {
          cluster.applyPolicy(policy('bad', { app: 'x' }, ['sg-nothex']));
        } catch (error) {
          return error as AllocatorError;
        }
        throw new Error('expected a throw');
      })(),
      'InvalidParameter',
      /groupIds\[0\]/,
    );
    expect(cluster.policies()).toEqual([]);
    const withAnnotation = pod('sneaky');
    (withAnnotation.metadata as Record<string, unknown>)['annotations'] = { [POD_ENI]: '[]' };
    const error = await rejection(cluster.createPod(withAnnotation));
    expectKind(error, 'InvalidParameter', /denied the request/);
    expect(error.code).toBe('AdmissionDenied');
    expect(cluster.pods()).toEqual([]);
  });

  it('lets only the controller write the pod-eni annotation', async () => {
    const { cluster } = setup();
    const created = await cluster.createPod(pod('p'));
    const uid = (created['metadata'] as { uid: string }).uid;
    const denied = await rejection(
      cluster.setPodAnnotations('default', 'p', { [POD_ENI]: '[]' }, { username: 'alice' }),
    );
    expectKind(denied, 'InvalidParameter', /denied/);
    await cluster.setPodAnnotations('default', 'p', { note: 'hi' }, { username: 'alice' });
    await cluster.annotatePod(
      { namespace: 'default', name: 'p', uid },
      { [POD_ENI]: '[{"vlanId":1}]' },
    );
    expect(cluster.podAnnotations('default', 'p')).toEqual({
      note: 'hi',
      [POD_ENI]: '[{"vlanId":1}]',
    });
  });

  it('with admission off, stores pods as given (a webhook that failed open)', async () => {
    const { cluster } = setup({ admission: false });
    cluster.applyPolicy(policy('web', { app: 'web' }, ['sg-0123456789abcdef0']));
    const created = await cluster.createPod(pod('web-1', { app: 'web' }));
    expect(JSON.stringify(created)).not.toContain(POD_ENI);
  });

  it('refuses malformed pods and taken names, naming the field', async () => {
    const { cluster } = setup();
    expectKind(
      await rejection(cluster.createPod({ metadata: { name: 'x' }, spec: { containers: [] } })),
      'Invalid',
      /spec.containers/,
    );
    expectKind(
      await rejection(
        cluster.createPod({ metadata: { name: 'Bad_Name' }, spec: { containers: [{}] } }),
      ),
      'Invalid',
      /metadata.name/,
    );
    await cluster.createPod(pod('dup'));
    expectKind(await rejection(cluster.createPod(pod('dup'))), 'Conflict', /already exists/);
    const generated = await cluster.createPod({
      metadata: { generateName: 'api-' },
      spec: { containers: [{ name: 'a' }] },
    });
    expect((generated['metadata'] as { name: string }).name).toMatch(/^api-[a-z0-9]{5}$/);
  });
});

describe('FakeCluster preconditions and resourceVersion', () => {
  it('annotatePod checks the UID: stale → Conflict, gone → NotFound; no-op writes change nothing', async () => {
    const { cluster } = setup();
    const first = await cluster.createPod(pod('p'));
    const oldUid = (first['metadata'] as { uid: string }).uid;
    await cluster.deletePod('default', 'p', { gracePeriodSeconds: 0 });
    expectKind(
      await rejection(
        cluster.annotatePod({ namespace: 'default', name: 'p', uid: oldUid }, { a: '1' }),
      ),
      'NotFound',
    );
    const second = await cluster.createPod(pod('p'));
    const newUid = (second['metadata'] as { uid: string }).uid;
    expect(newUid).not.toBe(oldUid);
    expectKind(
      await rejection(
        cluster.annotatePod({ namespace: 'default', name: 'p', uid: oldUid }, { a: '1' }),
      ),
      'Conflict',
    );
    await cluster.annotatePod({ namespace: 'default', name: 'p', uid: newUid }, { a: '1' });
    const version = cluster.resourceVersion;
    await cluster.annotatePod({ namespace: 'default', name: 'p', uid: newUid }, { a: '1' });
    expect(cluster.resourceVersion).toBe(version);
    await cluster.annotatePod({ namespace: 'default', name: 'p', uid: newUid }, { a: null });
    expect(cluster.podAnnotations('default', 'p')).toEqual({});
  });

  it('bumps one cluster-wide resourceVersion on every write', async () => {
    const { cluster } = setup();
    const versions: number[] = [Number(cluster.resourceVersion)];
    await cluster.createPod(pod('a'));
    versions.push(Number(cluster.resourceVersion));
    cluster.applyServiceAccount({ metadata: { name: 'sa' } });
    versions.push(Number(cluster.resourceVersion));
    cluster.addNode({ name: 'n1', instanceId: 'i-0123', instanceType: 'c5.4xlarge' });
    versions.push(Number(cluster.resourceVersion));
    expect(versions).toEqual([...versions].sort((x, y) => x - y));
    expect(new Set(versions).size).toBe(versions.length);
  });
});

describe('FakeCluster watch', () => {
  it('delivers changes asynchronously and in order, never inside the call', async () => {
    const { cluster } = setup({ scheduler: false });
    await cluster.list();
    const seen: string[] = [];
    let inCall = false;
    let calledInside = false;
    cluster.watch((change) => {
      if (inCall) calledInside = true;
      seen.push(describe_(change));
    });
    await cluster.createPod(pod('a'));
    inCall = true;
    const phase = cluster.setPodPhase('default', 'a', 'Running');
    cluster.addNode({ name: 'n1' });
    inCall = false;
    await phase;
    await new Promise((resolve) => setImmediate(resolve));
    expect(calledInside).toBe(false);
    expect(seen).toEqual(['Pod upsert a Pending', 'Pod upsert a Running', 'Node upsert n1']);
  });

  it('a watch started after list() sees every change made in between', async () => {
    const { cluster } = setup({ scheduler: false });
    await cluster.createPod(pod('before'));
    const snapshot = await cluster.list();
    await cluster.createPod(pod('between'));
    cluster.applyPolicy(policy('p', { app: 'x' }, ['sg-0123456789abcdef0']));
    const seen: string[] = [];
    cluster.watch((change) => seen.push(describe_(change)));
    await cluster.deletePod('default', 'before', { gracePeriodSeconds: 0 });
    await new Promise((resolve) => setImmediate(resolve));
    expect(snapshot.pods.map((p) => p.name)).toEqual(['before']);
    expect(seen).toEqual([
      'Pod upsert between Pending',
      'SecurityGroupPolicy upsert p',
      'Pod delete before Pending',
    ]);
  });

  it('stops delivering at once when the returned function is called', async () => {
    const { cluster } = setup({ scheduler: false });
    const seen: string[] = [];
    const stop = cluster.watch((change) => seen.push(describe_(change)));
    cluster.addNode({ name: 'n1' });
    stop();
    await new Promise((resolve) => setImmediate(resolve));
    expect(seen).toEqual([]);
  });

  it('graceful delete: terminating first, removed after the termination time', async () => {
    const { cluster, clock } = setup({ scheduler: false, podTerminationMs: 2000 });
    await cluster.createPod(pod('a'));
    await cluster.list();
    const seen: string[] = [];
    cluster.watch((change) => seen.push(`${describe_(change)}@${clock.now()}`));
    await cluster.deletePod('default', 'a');
    await clock.runUntilIdle();
    expect(seen).toEqual([
      'Pod upsert a Pending terminating@0',
      'Pod delete a Pending terminating@2000',
    ]);
    expect(cluster.pods({ includeRemoved: true })[0]?.removedAt).toBe(2000);
  });
});

describe('FakeCluster scheduler', () => {
  it('binds pods within pod-eni capacity; the rest stay Pending until capacity frees', async () => {
    const { cluster, clock } = setup();
    cluster.applyPolicy(policy('web', { app: 'web' }, ['sg-0123456789abcdef0']));
    cluster.addNode({ name: 'node-a', instanceId: 'i-0a', instanceType: 'm5.large' });
    cluster.addNode({ name: 'node-b', instanceId: 'i-0b', instanceType: 'm5.large' });
    await cluster.setNodeCapacity('node-a', POD_ENI, 2);
    await cluster.setNodeCapacity('node-b', POD_ENI, 1);
    for (let i = 0; i < 5; i++) await cluster.createPod(pod(`web-${i}`, { app: 'web' }));
    await cluster.createPod(pod('plain'));
    await clock.runUntilIdle();
    const placement = () => Object.fromEntries(cluster.pods().map((p) => [p.name, p.nodeName]));
    expect(placement()).toEqual({
      'web-0': 'node-a',
      'web-1': 'node-b',
      'web-2': 'node-a',
      'web-3': null,
      'web-4': null,
      plain: 'node-b',
    });
    expect(cluster.nodes().map((n) => [n.name, n.podEniInUse, n.podCount])).toEqual([
      ['node-a', 2, 2],
      ['node-b', 1, 2],
    ]);
    const failed = cluster.events().filter((e) => e.reason === 'FailedScheduling');
    expect(failed.map((e) => e.involvedObject.name)).toEqual(['web-3', 'web-4']);
    expect(failed[0]?.message).toContain(`Insufficient ${POD_ENI}`);
    await cluster.setPodPhase('default', 'web-1', 'Succeeded');
    await clock.runUntilIdle();
    expect(placement()['web-3']).toBe('node-b');
    expect(placement()['web-4']).toBeNull();
    await cluster.setNodeCapacity('node-a', POD_ENI, 3);
    await clock.runUntilIdle();
    expect(placement()['web-4']).toBe('node-a');
    expect(cluster.pods().find((p) => p.name === 'web-4')?.scheduledAt).toBe(0);
  });

  it('a terminating pod holds its capacity until it is removed', async () => {
    const { cluster, clock } = setup({ podTerminationMs: 5000 });
    cluster.applyPolicy(policy('web', { app: 'web' }, ['sg-0123456789abcdef0']));
    cluster.addNode({ name: 'n' });
    await cluster.setNodeCapacity('n', POD_ENI, 1);
    await cluster.createPod(pod('old', { app: 'web' }));
    await cluster.createPod(pod('new', { app: 'web' }));
    await clock.advance(10);
    await cluster.deletePod('default', 'old');
    await clock.advance(4000);
    expect(cluster.pods().find((p) => p.name === 'new')?.nodeName).toBeNull();
    await clock.advance(1000);
    expect(cluster.pods().find((p) => p.name === 'new')?.nodeName).toBe('n');
    expect(cluster.pods().find((p) => p.name === 'new')?.scheduledAt).toBe(5010);
  });

  it('honours nodeSelector and records Scheduled events with simulated time', async () => {
    const { cluster, clock } = setup({ schedulingDelayMs: 250 });
    cluster.addNode({ name: 'a', labels: { pool: 'x' } });
    cluster.addNode({ name: 'b', labels: { pool: 'y' } });
    await cluster.createPod(pod('p', {}, { nodeSelector: { pool: 'y' } }));
    await clock.runUntilIdle();
    expect(cluster.pods()[0]?.nodeName).toBe('b');
    expect(cluster.events()).toEqual([
      expect.objectContaining({
        at: 250,
        reason: 'Scheduled',
        source: 'default-scheduler',
        type: 'Normal',
      }),
    ]);
  });
});

describe('FakeCluster ClusterApi', () => {
  it('records events and reads service accounts and node facts', async () => {
    const { cluster, clock } = setup();
    await clock.advance(1500);
    await cluster.recordEvent({
      involvedObject: { kind: 'Node', name: 'n' },
      type: 'Warning',
      reason: 'Unsupported',
      message: 't3.micro',
    });
    expect(cluster.events()).toEqual([
      {
        at: 1500,
        involvedObject: { kind: 'Node', name: 'n' },
        type: 'Warning',
        reason: 'Unsupported',
        message: 't3.micro',
        source: 'system:serviceaccount:kube-system:podsg-controller',
      },
    ]);
    expect(await cluster.serviceAccountLabels('default', 'nobody')).toBeNull();
    cluster.applyServiceAccount({ metadata: { name: 'sa', labels: { a: 'b' } } });
    expect(await cluster.serviceAccountLabels('default', 'sa')).toEqual({ a: 'b' });
    const node = cluster.addNode({
      name: 'n',
      instanceId: 'i-0abc',
      instanceType: 'c5.4xlarge',
      labels: { 'vpc.amazonaws.com/has-trunk-attached': 'false' },
    });
    expect(node).toMatchObject({
      instanceId: 'i-0abc',
      instanceType: 'c5.4xlarge',
      labels: { 'vpc.amazonaws.com/has-trunk-attached': 'false' },
    });
    expectKind(await rejection(cluster.setNodeCapacity('missing', POD_ENI, 1)), 'NotFound');
    expectKind(await rejection(cluster.setNodeCapacity('n', POD_ENI, -1)), 'Invalid');
  });
});

describe('FakeCluster faults', () => {
  it('injects seeded failures into ClusterApi calls, before they take effect', async () => {
    const run = async (seed: number) => {
      const { cluster } = setup({ seed, faults: [{ method: 'annotatePod', rate: 0.5 }] });
      const created = await cluster.createPod(pod('p'));
      const uid = (created['metadata'] as { uid: string }).uid;
      const outcomes: string[] = [];
      for (let i = 0; i < 40; i++) {
        outcomes.push(
          await cluster
            .annotatePod({ namespace: 'default', name: 'p', uid }, { n: String(i) })
            .then(
              () => 'ok',
              (e: unknown) => (e as AllocatorError).kind,
            ),
        );
      }
      const last = outcomes.lastIndexOf('ok');
      expect(cluster.podAnnotations('default', 'p')).toEqual(last < 0 ? {} : { n: String(last) });
      return outcomes;
    };
    const first = await run(5);
    expect(await run(5)).toEqual(first);
    expect(new Set(first)).toEqual(new Set(['ok', 'Transient']));
    const { cluster } = setup({ faults: [{ method: '*', rate: 1, kind: 'Throttled' }] });
    expectKind(await rejection(cluster.list()), 'Throttled');
    cluster.setFaults([]);
    await cluster.list();
  });
});

describe('FakeCluster object API and change log', () => {
  const leases = {
    group: 'coordination.k8s.io',
    resource: 'leases',
    kind: 'Lease',
    namespaced: true,
  };

  it('stores kinds it does not model with uid, timestamps and per-object resourceVersions', async () => {
    const { cluster } = setup({ timeOrigin: Date.UTC(2026, 11, 1) });
    const lease = await cluster.createObject(leases, {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: 'podsg', namespace: 'kube-system' },
      spec: { holderIdentity: 'a' },
    });
    expect(lease['metadata']).toMatchObject({
      name: 'podsg',
      creationTimestamp: '2026-12-01T00:00:00Z',
      resourceVersion: cluster.resourceVersion,
      generation: 1,
    });
    const updated = await cluster.replaceObject(leases, {
      ...lease,
      spec: { holderIdentity: 'b' },
    });
    expect(updated['metadata']).toMatchObject({ generation: 2 });
    expectKind(
      await rejection(cluster.replaceObject(leases, { ...lease, spec: { holderIdentity: 'c' } })),
      'Conflict',
      /the object has been modified/,
    );
    expect(cluster.getObject(leases, 'kube-system', 'podsg')?.['spec']).toEqual({
      holderIdentity: 'b',
    });
  });

  it('deletes pods through the object API with their grace period, refusing a negative one', async () => {
    const { cluster } = setup();
    await cluster.createPod(pod('web-1'));
    const pods = { group: '', resource: 'pods', kind: 'Pod', namespaced: true };
    expectKind(
      await rejection(cluster.deleteObject(pods, 'default', 'web-1', { gracePeriodSeconds: -1 })),
      'Invalid',
      /negative/,
    );
    const deleted = await cluster.deleteObject(pods, 'default', 'web-1', { gracePeriodSeconds: 0 });
    expect((deleted['metadata'] as { name: string }).name).toBe('web-1');
    expect(cluster.podManifest('default', 'web-1')).toBeNull();
  });

  it('opts a node in through its CNINode feature, as the Kubernetes adapter reports it', async () => {
    const { cluster } = setup();
    cluster.addNode({ name: 'node-a' });
    await cluster.list();
    const changes: ClusterChange[] = [];
    cluster.watch((change) => changes.push(change));
    const cniNodes = {
      group: 'vpcresources.k8s.aws',
      resource: 'cninodes',
      kind: 'CNINode',
      namespaced: false,
    };
    const cniNode = await cluster.createObject(cniNodes, {
      metadata: { name: 'node-a' },
      spec: { features: [{ name: 'SecurityGroupsForPods' }] },
    });
    const optedIn = (await cluster.list()).nodes[0]?.labels;
    expect(optedIn?.['vpc.amazonaws.com/has-trunk-attached']).toBe('true');
    expect(cluster.nodes()[0]?.labels['vpc.amazonaws.com/has-trunk-attached']).toBeUndefined();
    await cluster.replaceObject(cniNodes, { ...cniNode, spec: { features: [] } });
    await Promise.resolve();
    expect(
      changes.map((c) =>
        c.kind === 'Node'
          ? `${c.type} ${String('vpc.amazonaws.com/has-trunk-attached' in c.node.labels)}`
          : c.kind,
      ),
    ).toEqual(['upsert true', 'upsert false']);
  });

  it('keeps an object with finalizers until they are removed', async () => {
    const { cluster } = setup();
    const lease = await cluster.createObject(leases, {
      metadata: { name: 'held', namespace: 'default', finalizers: ['example.com/hold'] },
    });
    const terminating = await cluster.deleteObject(leases, 'default', 'held');
    expect((terminating['metadata'] as Record<string, unknown>)['deletionTimestamp']).toBeDefined();
    expect(cluster.getObject(leases, 'default', 'held')).not.toBeNull();
    await cluster.replaceObject(leases, {
      ...lease,
      metadata: { ...(terminating['metadata'] as object), finalizers: [] },
    });
    expect(cluster.getObject(leases, 'default', 'held')).toBeNull();
  });

  it('logs changes with the previous object and reports a resourceVersion it no longer keeps', () => {
    const { cluster } = setup();
    cluster.retainChanges(2);
    const from = Number(cluster.resourceVersion);
    cluster.addNode({ name: 'node-a' });
    cluster.labelNode('node-a', { role: 'web' });
    expect(cluster.changesSince(from)?.map((c) => `${c.type} ${c.resource}`)).toEqual([
      'ADDED nodes',
      'MODIFIED nodes',
    ]);
    const modified = cluster.changesSince(from + 1)?.[0];
    expect(
      (modified?.previous?.['metadata'] as { labels: Record<string, string> }).labels['role'],
    ).toBeUndefined();
    for (let i = 0; i < 5; i++) cluster.labelNode('node-a', { step: String(i) });
    expect(cluster.changesSince(from)).toBeNull();
    expect(cluster.changesSince(Number(cluster.resourceVersion))).toEqual([]);
  });

  it('keeps the newest eventObjectLimit Event objects and every event in events()', async () => {
    const { cluster } = setup({ eventObjectLimit: 2 });
    for (const reason of ['One', 'Two', 'Three']) {
      await cluster.recordEvent({
        involvedObject: { kind: 'Node', name: 'node-a' },
        type: 'Normal',
        reason,
        message: reason,
      });
    }
    const events = { group: '', resource: 'events', kind: 'Event', namespaced: true };
    expect(cluster.listObjects(events).map((e) => e['reason'])).toEqual(['Two', 'Three']);
    expect(cluster.events().map((e) => e.reason)).toEqual(['One', 'Two', 'Three']);
  });
});

function describe_(change: ClusterChange): string {
  switch (change.kind) {
    case 'Pod':
      return `Pod ${change.type} ${change.pod.name} ${change.pod.phase}${change.pod.terminating ? ' terminating' : ''}`;
    case 'Node':
      return `Node ${change.type} ${change.node.name}`;
    case 'ServiceAccount':
      return `ServiceAccount ${change.type} ${change.serviceAccount.name}`;
    case 'SecurityGroupPolicy':
      return `SecurityGroupPolicy ${change.type} ${change.name}`;
  }
}
