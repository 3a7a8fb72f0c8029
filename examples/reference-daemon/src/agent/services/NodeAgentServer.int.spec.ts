// The node agent end to end on a fake cluster: FakeCluster events → PodCache → NodeAgentServer on
// a real unix socket → the UnixSocketNodeAgentClient that podsg-cni uses.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeCluster, VirtualClock } from '@podsg/adapters-fake';
import { UnixSocketNodeAgentClient } from '../../cni/UnixSocketNodeAgentClient.js';
import { NodeAgentServer } from './NodeAgentServer.js';
import { PodCache } from './PodCache.js';

const annotation = JSON.stringify([
  {
    eniId: 'eni-0a1b2c3d4e5f67890',
    ifAddress: '02:6d:a1:b2:c3:d4',
    privateIp: '10.0.5.21',
    ipv6Addr: '',
    vlanId: 2,
    subnetCidr: '10.0.0.0/20',
    subnetV6Cidr: '',
    associationID: 'trunk-assoc-0a1b2c3d4e5f67890',
  },
]);

const podManifest = (name: string, podEni: boolean): unknown => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { namespace: 'default', name },
  spec: {
    nodeName: 'node-a',
    containers: [
      {
        name: 'app',
        image: 'nginx',
        ...(podEni
          ? {
              resources: {
                requests: { 'vpc.amazonaws.com/pod-eni': '1' },
                limits: { 'vpc.amazonaws.com/pod-eni': '1' },
              },
            }
          : {}),
      },
    ],
  },
});

/** Lets the fake cluster deliver its (microtask-queued) watch events. */
const settled = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

let dir: string;
let cluster: FakeCluster;
let cache: PodCache;
let server: NodeAgentServer;
let client: UnixSocketNodeAgentClient;
const warnings: string[] = [];
const departures: unknown[] = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'podsg-agent-fake-'));
  cluster = new FakeCluster({ clock: new VirtualClock(), admission: false });
  cluster.addNode({ name: 'node-a', instanceId: 'i-0a', instanceType: 'c5.4xlarge' });
  cluster.addNode({ name: 'node-b', instanceId: 'i-0b', instanceType: 'c5.4xlarge' });
  await cluster.setNodeCapacity('node-a', 'vpc.amazonaws.com/pod-eni', 10);
  await cluster.createPod(podManifest('early', false));
  warnings.length = 0;
  const log = { info: () => undefined, warn: (message: string) => warnings.push(message) };
  departures.length = 0;
  cache = new PodCache({
    cluster,
    nodeName: 'node-a',
    trunkLink: 'eth1',
    log,
    onDeparture: (pod) => departures.push(pod),
  });
  const socketPath = join(dir, 'agent.sock');
  server = new NodeAgentServer({ socketPath, pods: cache, log });
  await server.start();
  client = new UnixSocketNodeAgentClient({ socketPath });
});

afterEach(async () => {
  cache.stop();
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

describe('node agent on a FakeCluster', () => {
  it('is unhealthy until the pods are listed, then answers pods that existed before', async () => {
    expect(await client.healthy()).toBe(false);
    await cache.start();
    expect(await client.healthy()).toBe(true);
    expect(await client.lookupPod('default', 'early')).toMatchObject({ required: false });
  });

  it('follows a branch pod from scheduling to annotation to deletion', async () => {
    await cache.start();
    const created = (await cluster.createPod(podManifest('api', true))) as {
      metadata: { uid: string };
    };
    await settled();
    expect(await client.lookupPod('default', 'api')).toEqual({
      podUid: created.metadata.uid,
      required: true,
      branch: null,
      trunkLink: 'eth1',
    });

    await cluster.annotatePod(
      { namespace: 'default', name: 'api', uid: created.metadata.uid },
      { 'vpc.amazonaws.com/pod-eni': annotation },
    );
    await settled();
    expect(await client.lookupPod('default', 'api')).toEqual({
      podUid: created.metadata.uid,
      required: true,
      branch: {
        eniId: 'eni-0a1b2c3d4e5f67890',
        ifAddress: '02:6d:a1:b2:c3:d4',
        privateIp: '10.0.5.21',
        vlanId: 2,
        subnetCidr: '10.0.0.0/20',
        associationID: 'trunk-assoc-0a1b2c3d4e5f67890',
      },
      trunkLink: 'eth1',
    });

    expect(departures).toEqual([]);
    await cluster.deletePod('default', 'api', { gracePeriodSeconds: 0 });
    await settled();
    expect(await client.lookupPod('default', 'api')).toBeNull();
    // The branch's departure is reported once, for the confirmed-release tracker.
    expect(departures).toEqual([
      {
        namespace: 'default',
        name: 'api',
        uid: created.metadata.uid,
        eniId: 'eni-0a1b2c3d4e5f67890',
        vlanId: 2,
      },
    ]);
  });

  it('answers for the pod incarnation whose K8S_POD_UID is given, and only that one', async () => {
    await cache.start();
    const first = (await cluster.createPod(podManifest('db', false))) as {
      metadata: { uid: string };
    };
    await settled();
    expect(await client.lookupPod('default', 'db', first.metadata.uid)).toMatchObject({
      podUid: first.metadata.uid,
    });
    await cluster.deletePod('default', 'db', { gracePeriodSeconds: 0 });
    const second = (await cluster.createPod(podManifest('db', false))) as {
      metadata: { uid: string };
    };
    await settled();
    // The old incarnation's DEL must not see the new pod; the new one's ADD does.
    expect(await client.lookupPod('default', 'db', first.metadata.uid)).toBeNull();
    expect(await client.lookupPod('default', 'db', second.metadata.uid)).toMatchObject({
      podUid: second.metadata.uid,
    });
    // A client that sends no uid (an older podsg-cni) gets the answer as before.
    expect(await client.lookupPod('default', 'db')).toMatchObject({ podUid: second.metadata.uid });
  });

  it('does not know pods of other nodes', async () => {
    await cache.start();
    await cluster.createPod({
      ...(podManifest('remote', false) as { spec: object }),
      spec: { nodeName: 'node-b', containers: [{ name: 'app', image: 'nginx' }] },
    });
    await settled();
    expect(await client.lookupPod('default', 'remote')).toBeNull();
  });

  it('answers "not yet annotated" for a malformed annotation, and logs why', async () => {
    await cache.start();
    const created = (await cluster.createPod(podManifest('odd', true))) as {
      metadata: { uid: string };
    };
    await cluster.annotatePod(
      { namespace: 'default', name: 'odd', uid: created.metadata.uid },
      { 'vpc.amazonaws.com/pod-eni': annotation.replace(/"vlanId":\d+/, '"vlanId":0') },
    );
    await settled();
    expect(await client.lookupPod('default', 'odd')).toMatchObject({
      required: true,
      branch: null,
    });
    expect(warnings.join('\n')).toContain('default/odd');
    expect(warnings.join('\n')).toContain('vlanId');
  });
});
