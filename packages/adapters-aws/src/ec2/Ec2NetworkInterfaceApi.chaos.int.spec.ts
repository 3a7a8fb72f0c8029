import { afterEach, describe, expect, it } from 'vitest';
import {
  BranchController,
  HAS_TRUNK_ATTACHED_LABEL,
  POD_ENI_ANNOTATION,
  decodePodEniAnnotation,
} from '@podsg/allocator';
import {
  FakeCluster,
  FakeEc2,
  FakeEc2Server,
  SeededRandom,
  VirtualClock,
} from '@podsg/adapters-fake';
import { Ec2NetworkInterfaceApi } from './Ec2NetworkInterfaceApi.js';

const SUBNET = 'subnet-0a1b2c3d';
const SG_WEB = 'sg-0123456789abcdef0';
const SG_DB = 'sg-0fedcba9876543210';
const SG_NODE = 'sg-00000000000000001';

let stop: () => Promise<void> = () => Promise.resolve();
afterEach(async () => {
  await stop();
});

const policy = (name: string, app: string, groupId: string) => ({
  apiVersion: 'vpcresources.k8s.aws/v1beta1',
  kind: 'SecurityGroupPolicy',
  metadata: { name, namespace: 'default' },
  spec: { podSelector: { matchLabels: { app } }, securityGroups: { groupIds: [groupId] } },
});

// The allocator's chaos guarantees with the production EC2 adapter over HTTP: the controller
// drives Ec2NetworkInterfaceApi → FakeEc2Server (SigV4, XML; dropped connections and replies
// lost after the change) → FakeEc2 (10% faults, 5% after the change), and restarts twice.
// Virtual time is pumped in 200 ms steps with a real millisecond between them, so HTTP round
// trips complete while timers (backoff, cooldown, GC) run fast.
describe('BranchController through Ec2NetworkInterfaceApi over HTTP, with faults and restarts', () => {
  it('wires every pod once, leaks nothing and keeps VLAN ids unique', async () => {
    const clock = new VirtualClock();
    const ec2 = new FakeEc2({
      clock,
      seed: 7,
      vpc: { id: 'vpc-0a1b2c3d', cidr: '10.0.0.0/16' },
      subnets: [{ id: SUBNET, cidr: '10.0.0.0/20' }],
      securityGroups: [SG_WEB, SG_DB, SG_NODE],
      faults: [
        { api: '*', rate: 0.1 },
        { api: 'CreateNetworkInterface', rate: 0.05, after: true },
      ],
    });
    const server = await FakeEc2Server.start({
      ec2,
      seed: 9,
      faults: [
        { action: '*', rate: 0.03, effect: 'drop' },
        { action: '*', rate: 0.03, effect: 'lostReply' },
      ],
    });
    const api = new Ec2NetworkInterfaceApi({
      region: server.region,
      endpoint: server.url,
      credentials: server.credentials,
      clusterName: 'demo',
    });
    const cluster = new FakeCluster({ clock, seed: 3 });
    cluster.applyPolicy(policy('web', 'web', SG_WEB));
    cluster.applyPolicy(policy('db', 'db', SG_DB));
    const random = new SeededRandom(11);
    const make = () =>
      new BranchController({
        networkInterfaces: api,
        cluster,
        clock,
        options: {
          clusterName: 'demo',
          cooldownSeconds: 30,
          recycleSeconds: 60,
          gcIntervalSeconds: 60,
          random: () => random.next(),
        },
      });
    let controller = make();
    stop = async () => {
      await controller.stop();
      api.destroy();
      await server.close();
    };
    const run = async (seconds: number) => {
      const end = clock.now() + seconds * 1000;
      while (clock.now() < end) {
        await clock.advance(200);
        await new Promise((resolve) => setTimeout(resolve, 1));
      }
    };
    const start = async () => {
      const state = { done: false };
      const started = controller.start().finally(() => {
        state.done = true;
      });
      while (!state.done) await run(1);
      await started;
    };
    const restart = async () => {
      await controller.stop();
      controller = make();
      await start();
    };
    const createPod = (name: string, app: string) =>
      cluster.createPod({
        metadata: { name, namespace: 'default', labels: { app } },
        spec: { containers: [{ name: 'app', image: 'nginx' }] },
      });
    const annotation = (name: string) => {
      const value = cluster.podAnnotations('default', name)?.[POD_ENI_ANNOTATION];
      return value === undefined ? null : (decodePodEniAnnotation(value)[0] ?? null);
    };

    await start();
    for (const name of ['node-a', 'node-b']) {
      const instance = ec2.addInstance({
        instanceType: 'c5.xlarge',
        subnetId: SUBNET,
        groupIds: [SG_NODE],
      });
      cluster.addNode({
        name,
        instanceId: instance.instanceId,
        instanceType: 'c5.xlarge',
        labels: { [HAS_TRUNK_ATTACHED_LABEL]: 'true' },
      });
    }
    await run(30);
    for (let i = 0; i < 20; i++) await createPod(`web-${i}`, i % 2 === 0 ? 'web' : 'db');
    await run(20);
    await restart();
    for (let i = 0; i < 10; i++)
      await cluster.deletePod('default', `web-${i}`, { gracePeriodSeconds: 0 });
    for (let i = 20; i < 26; i++) await createPod(`web-${i}`, 'web');
    await run(15);
    await restart();
    await run(200);
    ec2.setFaults([]);
    server.setFaults([]);
    await run(400);

    const live = cluster.pods().filter((pod) => pod.podEniRequest > 0 && pod.nodeName !== null);
    expect(live).toHaveLength(16);
    for (const pod of live) expect(annotation(pod.name), pod.name).not.toBeNull();
    const owners = live.map((pod) => annotation(pod.name)?.eniId);
    expect(new Set(owners).size).toBe(owners.length);
    const explained = new Set(
      controller
        .inspect()
        .branches.filter((b) => b.state === 'cooling' || b.state === 'held' || b.pod !== null)
        .map((b) => b.eniId),
    );
    const leaked = ec2
      .interfaces()
      .filter((eni) => eni.interfaceType === 'branch' && !explained.has(eni.networkInterfaceId));
    expect(leaked).toEqual([]);
    const seen = new Set<string>();
    for (const association of ec2.associations()) {
      const key = `${association.trunkInterfaceId}/${association.vlanId}`;
      expect(seen.has(key)).toBe(false);
      seen.add(key);
    }
    // The wire faults did happen.
    const codes = server.requests().map((r) => r.code);
    expect(codes).toContain('ReplyLost');
    expect(codes).toContain('ConnectionDropped');
  });
});
