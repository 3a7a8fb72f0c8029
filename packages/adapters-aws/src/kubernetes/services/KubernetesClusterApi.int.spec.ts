import { AllocatorError, HAS_TRUNK_ATTACHED_LABEL } from '@podsg/allocator';
import type { ClusterChange } from '@podsg/allocator';
import { FakeCluster } from '@podsg/adapters-fake';
import { afterEach, describe, expect, it } from 'vitest';
import { SystemClock } from '../../clock/SystemClock.js';
import { kubernetesFailureOf } from '../calculations/toAllocatorError.js';
import { CONTROLLER_USERNAME, startEmulatedApiServer } from './emulatedApiServer.spec.helpers.js';
import type { KubernetesHttpClient } from './KubernetesHttpClient.js';
import { KubernetesClusterApi } from './KubernetesClusterApi.js';
import { loadKubeConfig } from './loadKubeConfig.js';

/** What the daemon needs beyond the allocator's port, against FakeKubernetesServer over HTTPS. */
const CNINODES = '/apis/vpcresources.k8s.aws/v1alpha1/cninodes';
const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setup(options: { nodeName?: string } = {}) {
  const cluster = new FakeCluster({
    clock: new SystemClock(),
    admission: false,
    scheduler: false,
    podTerminationMs: 0,
  });
  cluster.addNode({ name: 'node-a', instanceType: 'c5.large' });
  cluster.addNode({ name: 'node-b', instanceType: 'c5.large' });
  const { server, kubeConfig, admin } = await startEmulatedApiServer(cluster, {
    namespaces: ['default', 'kube-system', 'shop'],
  });
  const api = new KubernetesClusterApi({
    kubeConfig,
    ...options,
    watchBackoff: { baseMs: 10, maxMs: 100 },
  });
  cleanups.push(async () => {
    await api.close();
    admin.close();
    await server.close();
  });
  return { cluster, server, api, admin };
}

async function eventually(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

const cniNode = (admin: KubernetesHttpClient, name: string) =>
  admin.request({ method: 'GET', path: `${CNINODES}/${name}`, operation: 'get cninode' });

describe('KubernetesClusterApi for the daemon', () => {
  it('reports a node whose CNINode lists SecurityGroupsForPods as opted in, in list and watch', async () => {
    const { api, admin } = await setup();
    await admin.request({
      method: 'POST',
      path: CNINODES,
      body: {
        apiVersion: 'vpcresources.k8s.aws/v1alpha1',
        kind: 'CNINode',
        metadata: { name: 'node-a' },
        spec: { features: [{ name: 'SecurityGroupsForPods' }] },
      },
      operation: 'create cninode',
    });
    const snapshot = await api.list();
    const optedIn = (name: string) =>
      snapshot.nodes.find((n) => n.name === name)?.labels[HAS_TRUNK_ATTACHED_LABEL];
    expect([optedIn('node-a'), optedIn('node-b')]).toEqual(['true', undefined]);

    const changes: ClusterChange[] = [];
    api.watch((change) => changes.push(change));
    await api.ensureCniNodeFeature('node-b', 'SecurityGroupsForPods');
    await api.ensureCniNodeFeature('node-b', 'SecurityGroupsForPods'); // idempotent
    await admin.request({
      method: 'DELETE',
      path: `${CNINODES}/node-a`,
      operation: 'delete cninode',
    });
    await eventually(() => changes.length >= 2, 'both nodes re-delivered');
    expect(
      changes.map((c) =>
        c.kind === 'Node'
          ? `${c.node.name} ${c.node.labels[HAS_TRUNK_ATTACHED_LABEL] ?? '-'}`
          : c.kind,
      ),
    ).toEqual(['node-b true', 'node-a -']);
    expect(await cniNode(admin, 'node-b')).toMatchObject({
      metadata: { ownerReferences: [{ kind: 'Node', name: 'node-b' }] },
      spec: { features: [{ name: 'SecurityGroupsForPods' }] },
    });
  });

  it('adds the feature to an existing CNINode, keeping its other features', async () => {
    const { api, admin } = await setup();
    await admin.request({
      method: 'POST',
      path: CNINODES,
      body: {
        apiVersion: 'vpcresources.k8s.aws/v1alpha1',
        kind: 'CNINode',
        metadata: { name: 'node-a' },
        spec: { features: [{ name: 'CustomNetworking', value: 'eniconfig-a' }] },
      },
      operation: 'create cninode',
    });
    await api.ensureCniNodeFeature('node-a', 'SecurityGroupsForPods');
    expect(await cniNode(admin, 'node-a')).toMatchObject({
      spec: {
        features: [
          { name: 'CustomNetworking', value: 'eniconfig-a' },
          { name: 'SecurityGroupsForPods' },
        ],
      },
    });
    expect(
      (await api
        .ensureCniNodeFeature('node-z', 'SecurityGroupsForPods')
        .catch((e: unknown) => e)) as AllocatorError,
    ).toMatchObject({
      kind: 'NotFound',
    });
  });

  it('in node-agent scope lists and watches only the pods bound to its node', async () => {
    const { cluster, api } = await setup({ nodeName: 'node-a' });
    const create = (name: string, nodeName: string) =>
      cluster.createPod({
        metadata: { name, namespace: 'shop' },
        spec: { nodeName, containers: [{ name: 'app', image: 'nginx' }] },
      });
    await create('a-1', 'node-a');
    await create('b-1', 'node-b');
    const snapshot = await api.list();
    expect(snapshot.pods.map((p) => p.name)).toEqual(['a-1']);
    expect([snapshot.nodes, snapshot.serviceAccounts, snapshot.securityGroupPolicies]).toEqual([
      [],
      [],
      [],
    ]);
    const names: string[] = [];
    api.watch((change) => {
      if (change.kind === 'Pod') names.push(`${change.type} ${change.pod.name}`);
    });
    await create('b-2', 'node-b');
    await create('a-2', 'node-a');
    await eventually(() => names.length >= 1, 'a-2');
    expect(names).toEqual(['upsert a-2']);
    expect(await api.getPod('shop', 'a-2')).toMatchObject({ name: 'a-2', nodeName: 'node-a' });
    expect(await api.getPod('shop', 'nope')).toBeNull();
  });

  it('labels nodes, and takes and renews leases under optimistic concurrency', async () => {
    const { cluster, api } = await setup();
    await api.labelNode('node-a', { [HAS_TRUNK_ATTACHED_LABEL]: 'true', 'kubernetes.io/os': null });
    expect(cluster.nodes().find((n) => n.name === 'node-a')?.labels).toEqual({
      'kubernetes.io/hostname': 'node-a',
      'node.kubernetes.io/instance-type': 'c5.large',
      [HAS_TRUNK_ATTACHED_LABEL]: 'true',
    });
    expect(await api.getLease('kube-system', 'podsg')).toBeNull();
    const spec = {
      holderIdentity: 'podsg-0',
      leaseDurationSeconds: 15,
      acquireTime: '2026-12-01T02:00:00.000000Z',
      renewTime: '2026-12-01T02:00:00.000000Z',
      leaseTransitions: 0,
    };
    const created = await api.createLease('kube-system', 'podsg', spec);
    expect(created).toEqual({ ...spec, resourceVersion: expect.any(String) as unknown });
    expect(
      (await api
        .createLease('kube-system', 'podsg', spec)
        .catch((e: unknown) => e)) as AllocatorError,
    ).toMatchObject({
      kind: 'Conflict',
    });
    const renewed = await api.updateLease(
      'kube-system',
      'podsg',
      { ...spec, renewTime: '2026-12-01T02:00:10.000000Z' },
      created.resourceVersion,
    );
    expect(renewed.renewTime).toBe('2026-12-01T02:00:10.000000Z');
    const stale = await api
      .updateLease(
        'kube-system',
        'podsg',
        { ...spec, holderIdentity: 'podsg-1' },
        created.resourceVersion,
      )
      .catch((e: unknown) => e);
    expect(stale).toMatchObject({ kind: 'Conflict', code: '409 Conflict' });
    expect((await api.getLease('kube-system', 'podsg'))?.holderIdentity).toBe('podsg-0');
  });

  it('writes a CA bundle into every webhook of a configuration', async () => {
    const { api, admin } = await setup();
    const path = '/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations';
    const webhook = (name: string) => ({
      name,
      admissionReviewVersions: ['v1'],
      sideEffects: 'None',
      failurePolicy: 'Ignore',
      clientConfig: { url: `https://127.0.0.1:9/${name}` },
      rules: [
        { apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE'], resources: ['configmaps'] },
      ],
    });
    await admin.request({
      method: 'POST',
      path,
      body: {
        apiVersion: 'admissionregistration.k8s.io/v1',
        kind: 'ValidatingWebhookConfiguration',
        metadata: { name: 'podsg' },
        webhooks: [webhook('a.podsg.io'), webhook('b.podsg.io')],
      },
      operation: 'create webhook configuration',
    });
    const pem = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
    await api.setWebhookCaBundle('ValidatingWebhookConfiguration', 'podsg', pem);
    await api.setWebhookCaBundle('ValidatingWebhookConfiguration', 'podsg', pem);
    const stored = (await admin.request({
      method: 'GET',
      path: `${path}/podsg`,
      operation: 'get',
    })) as {
      webhooks: { clientConfig: { caBundle?: string; url: string } }[];
    };
    expect(stored.webhooks.map((w) => w.clientConfig)).toEqual([
      { url: 'https://127.0.0.1:9/a.podsg.io', caBundle: Buffer.from(pem).toString('base64') },
      { url: 'https://127.0.0.1:9/b.podsg.io', caBundle: Buffer.from(pem).toString('base64') },
    ]);
    await expect(
      api.setWebhookCaBundle('ValidatingWebhookConfiguration', 'podsg', 'not pem'),
    ).rejects.toThrow(/holds no PEM certificate/);
  });

  it('aggregates repeated events into one Event with a count', async () => {
    const { api, admin } = await setup();
    const event = {
      involvedObject: { kind: 'Node' as const, name: 'node-a' },
      type: 'Warning' as const,
      reason: 'TrunkENICreationFailed',
      message: 'quota',
    };
    await api.recordEvent(event);
    await api.recordEvent(event);
    await api.recordEvent(event);
    const list = (await admin.request({
      method: 'GET',
      path: '/api/v1/namespaces/default/events',
      operation: 'list',
    })) as {
      items: { reason: string; count: number }[];
    };
    expect(
      list.items.filter((e) => e.reason === 'TrunkENICreationFailed').map((e) => e.count),
    ).toEqual([3]);
    expect(api.stats().events).toEqual({ created: 1, aggregated: 2, dropped: 0, failed: 0 });
  });

  it('maps a slow reply to Transient Timeout, a cut connection to Transient, 429 to Throttled with Retry-After', async () => {
    const { server, cluster } = await setup();
    const impatient = new KubernetesClusterApi({
      kubeConfig: loadKubeConfig({ yaml: server.kubeconfig(CONTROLLER_USERNAME) }),
      requestTimeoutMs: 200,
    });
    cleanups.push(() => impatient.close());
    server.setFaults([{ fault: 'slow', rate: 1, verb: 'patch', delayMs: 1000 }]);
    const slow = (await impatient
      .labelNode('node-a', { a: 'b' })
      .catch((e: unknown) => e)) as AllocatorError;
    expect(slow).toMatchObject({ kind: 'Transient', code: 'Timeout' });
    server.setFaults([{ fault: 'lostReply', rate: 1, verb: 'patch' }]);
    const lost = (await impatient
      .labelNode('node-a', { c: 'd' })
      .catch((e: unknown) => e)) as AllocatorError;
    expect(lost.kind).toBe('Transient');
    expect(cluster.nodes().find((n) => n.name === 'node-a')?.labels['c']).toBe('d'); // it took effect
    server.setFaults([{ fault: 'throttle', rate: 1, verb: 'get', retryAfterSeconds: 3 }]);
    const throttled = (await impatient
      .getPod('shop', 'x')
      .catch((e: unknown) => e)) as AllocatorError;
    expect(throttled).toMatchObject({ kind: 'Throttled', code: '429 TooManyRequests' });
    expect(kubernetesFailureOf(throttled)?.retryAfterMs).toBe(3000);
    server.setFaults([{ fault: 'error', rate: 1, verb: 'get', status: 503 }]);
    const unavailable = (await impatient
      .getPod('shop', 'x')
      .catch((e: unknown) => e)) as AllocatorError;
    expect(unavailable).toMatchObject({ kind: 'Transient', code: '503 ServiceUnavailable' });
  });

  it('maps a refused token to Unauthorized, with the status on the code', async () => {
    const { server } = await setup();
    const stranger = new KubernetesClusterApi({
      kubeConfig: loadKubeConfig({
        yaml: server.kubeconfig('admin').replace(/token: .*/, 'token: not-a-known-token'),
      }),
    });
    const error = (await stranger.list().catch((e: unknown) => e)) as AllocatorError;
    expect(error).toMatchObject({ kind: 'Unauthorized', code: '401 Unauthorized' });
    await stranger.close();
  });
});
