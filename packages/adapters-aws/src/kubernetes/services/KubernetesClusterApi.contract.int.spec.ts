import { AllocatorError, POD_ENI_ANNOTATION, POD_ENI_RESOURCE } from '@podsg/allocator';
import type { ClusterApi, ClusterChange } from '@podsg/allocator';
import { FakeCluster } from '@podsg/adapters-fake';
import { describe, expect, it } from 'vitest';
import { SystemClock } from '../../clock/SystemClock.js';
import { startEmulatedApiServer } from './emulatedApiServer.spec.helpers.js';
import { KubernetesClusterApi } from './KubernetesClusterApi.js';

/**
 * The `ClusterApi` contract, written once: every case runs against `FakeCluster` directly and
 * against `KubernetesClusterApi` talking HTTPS to `FakeKubernetesServer` over the same kind of
 * model, and must give the same results and the same error kinds.
 */
interface ClusterApiUnderTest {
  api: ClusterApi;
  close(): Promise<void>;
}

/** Builds the API under test over `cluster`. */
type ClusterApiSetup = (cluster: FakeCluster) => Promise<ClusterApiUnderTest>;

const INSTANCE_ID = 'i-0123456789abcdef0';
const GROUP = 'sg-0123456789abcdef0';
const NOTE = 'podsg.io/note';

function newCluster(): FakeCluster {
  return new FakeCluster({ clock: new SystemClock(), seed: 7, podTerminationMs: 0 });
}

const policy = (name: string, app: string) => ({
  apiVersion: 'vpcresources.k8s.aws/v1beta1',
  kind: 'SecurityGroupPolicy',
  metadata: { name, namespace: 'shop' },
  spec: { podSelector: { matchLabels: { app } }, securityGroups: { groupIds: [GROUP] } },
});

const pod = (name: string, app: string, serviceAccountName = 'default') => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'shop', labels: { app } },
  spec: { serviceAccountName, containers: [{ name: 'app', image: 'nginx' }] },
});

async function eventually(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

async function rejection(promise: Promise<unknown>): Promise<AllocatorError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof AllocatorError) return error;
    throw error;
  }
  throw new Error('expected a rejection');
}

/** Sets up a cluster with one node, a service account, a policy and a matching pod. */
async function populated(cluster: FakeCluster) {
  const node = cluster.addNode({
    name: 'node-a',
    instanceId: INSTANCE_ID,
    instanceType: 'c5.large',
    zone: 'us-east-1a',
  });
  await cluster.setNodeCapacity('node-a', POD_ENI_RESOURCE, 4);
  cluster.applyServiceAccount({
    metadata: { name: 'api', namespace: 'shop', labels: { tier: 'backend' } },
  });
  cluster.applyPolicy(policy('web', 'web'));
  const created = await cluster.createPod(pod('web-1', 'web', 'api'));
  const uid = (created['metadata'] as { uid: string }).uid;
  await eventually(() => cluster.pods().every((p) => p.nodeName !== null), 'scheduling');
  return { node, uid };
}

function podChanges(changes: ClusterChange[], name: string): string[] {
  return changes.flatMap((change) =>
    change.kind === 'Pod' && change.pod.name === name
      ? [`${change.type} ${change.pod.nodeName ?? '-'} ${change.pod.annotations[NOTE] ?? '-'}`]
      : [],
  );
}

/** Registers the contract's cases for one way of reaching the cluster. */
function clusterApiContract(name: string, setup: ClusterApiSetup): void {
  describe(`ClusterApi contract: ${name}`, () => {
    async function withApi(
      body: (api: ClusterApi, cluster: FakeCluster) => Promise<void>,
      cluster = newCluster(),
    ): Promise<void> {
      const underTest = await setup(cluster);
      try {
        await body(underTest.api, cluster);
      } finally {
        await underTest.close();
      }
    }

    it('lists pods, nodes, service accounts and policies with the facts podsg reads', async () => {
      const cluster = newCluster();
      const { node, uid } = await populated(cluster);
      await withApi(async (api) => {
        const snapshot = await api.list();
        expect(snapshot.pods).toEqual([
          {
            namespace: 'shop',
            name: 'web-1',
            uid,
            labels: { app: 'web' },
            annotations: {},
            serviceAccountName: 'api',
            nodeName: 'node-a',
            phase: 'Pending',
            requestsPodEni: true,
            hostNetwork: false,
            terminating: false,
            resourceVersion: expect.any(String) as unknown,
          },
        ]);
        expect(snapshot.nodes).toEqual([
          {
            name: 'node-a',
            uid: node.uid,
            labels: expect.objectContaining({
              'node.kubernetes.io/instance-type': 'c5.large',
              'kubernetes.io/hostname': 'node-a',
            }) as unknown,
            instanceId: INSTANCE_ID,
            instanceType: 'c5.large',
          },
        ]);
        expect(snapshot.serviceAccounts).toContainEqual({
          namespace: 'shop',
          name: 'api',
          labels: { tier: 'backend' },
        });
        const web = policy('web', 'web');
        expect(snapshot.securityGroupPolicies).toEqual([
          expect.objectContaining({
            ...web,
            metadata: expect.objectContaining({
              ...web.metadata,
              uid: expect.any(String),
            }) as unknown,
          }),
        ]);
      }, cluster);
    });

    it('watches every change after list, in order, never from inside watch()', async () => {
      const cluster = newCluster();
      await populated(cluster);
      await withApi(async (api) => {
        await api.list();
        cluster.labelNode('node-a', { 'vpc.amazonaws.com/has-trunk-attached': 'false' });
        const changes: ClusterChange[] = [];
        let inside = true;
        let calledInside = false;
        const stop = api.watch((change) => {
          if (inside) calledInside = true;
          changes.push(change);
        });
        inside = false;
        try {
          cluster.applyServiceAccount({ metadata: { name: 'batch', namespace: 'shop' } });
          await cluster.createPod(pod('web-2', 'web'));
          await eventually(
            () => cluster.pods().some((p) => p.name === 'web-2' && p.nodeName !== null),
            'web-2 scheduled',
          );
          await cluster.setPodAnnotations('shop', 'web-2', { [NOTE]: 'hello' });
          await cluster.deletePod('shop', 'web-2', { gracePeriodSeconds: 0 });
          cluster.deleteServiceAccount('shop', 'batch');
          cluster.applyPolicy(policy('db', 'db'));
          cluster.deletePolicy('shop', 'db');
          await eventually(
            () => changes.some((c) => c.kind === 'SecurityGroupPolicy' && c.type === 'delete'),
            'the policy delete',
          );
        } finally {
          stop();
        }
        expect(calledInside).toBe(false);
        const nodeChange = changes.find((c) => c.kind === 'Node');
        expect(nodeChange).toMatchObject({
          type: 'upsert',
          node: { name: 'node-a', labels: { 'vpc.amazonaws.com/has-trunk-attached': 'false' } },
        });
        expect(podChanges(changes, 'web-2')).toEqual([
          'upsert - -',
          'upsert node-a -',
          'upsert node-a hello',
          'delete node-a hello',
        ]);
        const accounts = changes.flatMap((c) =>
          c.kind === 'ServiceAccount' && c.serviceAccount.name === 'batch' ? [c.type] : [],
        );
        expect(accounts).toEqual(['upsert', 'delete']);
        const policies = changes.flatMap((c) =>
          c.kind === 'SecurityGroupPolicy' ? [`${c.type} ${c.namespace}/${c.name}`] : [],
        );
        expect(policies).toEqual(['upsert shop/db', 'delete shop/db']);
      }, cluster);
    });

    it('annotates a pod only while its UID is the one given', async () => {
      const cluster = newCluster();
      const { uid } = await populated(cluster);
      await withApi(async (api) => {
        const target = { namespace: 'shop', name: 'web-1', uid };
        await api.annotatePod(target, { [POD_ENI_ANNOTATION]: '[{"eniId":"eni-1"}]', [NOTE]: 'x' });
        await api.annotatePod(target, { [POD_ENI_ANNOTATION]: '[{"eniId":"eni-1"}]' }); // idempotent
        expect(cluster.podAnnotations('shop', 'web-1')).toEqual({
          [POD_ENI_ANNOTATION]: '[{"eniId":"eni-1"}]',
          [NOTE]: 'x',
        });
        await api.annotatePod(target, { [NOTE]: null });
        expect(cluster.podAnnotations('shop', 'web-1')).toEqual({
          [POD_ENI_ANNOTATION]: '[{"eniId":"eni-1"}]',
        });
        const wrongUid = await rejection(
          api.annotatePod({ ...target, uid: 'another' }, { [NOTE]: 'y' }),
        );
        expect(wrongUid.kind).toBe('Conflict');
        await cluster.deletePod('shop', 'web-1', { gracePeriodSeconds: 0 });
        expect((await rejection(api.annotatePod(target, { [NOTE]: 'y' }))).kind).toBe('NotFound');
        await cluster.createPod(pod('web-1', 'web'));
        expect((await rejection(api.annotatePod(target, { [NOTE]: 'y' }))).kind).toBe('Conflict');
        expect(cluster.podAnnotations('shop', 'web-1')).toEqual({});
      }, cluster);
    });

    it('sets node capacity and allocatable of an extended resource', async () => {
      const cluster = newCluster();
      await populated(cluster);
      await withApi(async (api) => {
        await api.setNodeCapacity('node-a', POD_ENI_RESOURCE, 9);
        await api.setNodeCapacity('node-a', POD_ENI_RESOURCE, 9);
        expect(cluster.nodes()[0]?.capacity).toEqual({ [POD_ENI_RESOURCE]: 9 });
        expect((await rejection(api.setNodeCapacity('node-z', POD_ENI_RESOURCE, 1))).kind).toBe(
          'NotFound',
        );
        expect((await rejection(api.setNodeCapacity('node-a', POD_ENI_RESOURCE, -1))).kind).toBe(
          'Invalid',
        );
      }, cluster);
    });

    it('records events against the object they concern', async () => {
      const cluster = newCluster();
      const { uid } = await populated(cluster);
      await withApi(async (api) => {
        const involvedObject = { kind: 'Pod' as const, namespace: 'shop', name: 'web-1', uid };
        await api.recordEvent({
          involvedObject,
          type: 'Normal',
          reason: 'ResourceAllocated',
          message: 'eni-1',
        });
        expect(cluster.events().filter((e) => e.reason === 'ResourceAllocated')).toEqual([
          expect.objectContaining({
            involvedObject: expect.objectContaining(involvedObject) as unknown,
            type: 'Normal',
            reason: 'ResourceAllocated',
            message: 'eni-1',
          }),
        ]);
        const bad = await rejection(
          api.recordEvent({ involvedObject, type: 'Fatal' as 'Normal', reason: 'X', message: 'y' }),
        );
        expect(bad.kind).toBe('Invalid');
      }, cluster);
    });

    it("reads a service account's labels, null when it does not exist", async () => {
      const cluster = newCluster();
      await populated(cluster);
      await withApi(async (api) => {
        expect(await api.serviceAccountLabels('shop', 'api')).toEqual({ tier: 'backend' });
        expect(await api.serviceAccountLabels('shop', 'nobody')).toBeNull();
      }, cluster);
    });
  });
}

clusterApiContract('FakeCluster in memory', (cluster) =>
  Promise.resolve({ api: cluster, close: () => Promise.resolve() }),
);

clusterApiContract('KubernetesClusterApi over HTTPS to FakeKubernetesServer', async (cluster) => {
  const { server, kubeConfig, admin } = await startEmulatedApiServer(cluster, {
    namespaces: ['default', 'kube-system', 'shop'],
  });
  const api = new KubernetesClusterApi({ kubeConfig });
  return {
    api,
    close: async () => {
      await api.close();
      admin.close();
      await server.close();
    },
  };
});
