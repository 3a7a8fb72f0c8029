import { afterEach, describe, expect, it } from 'vitest';
import {
  AllocatorError,
  BranchController,
  HAS_TRUNK_ATTACHED_LABEL,
  POD_ENI_ANNOTATION,
  decodePodEniAnnotation,
} from '@podsg/allocator';
import { SeededRandom, VirtualClock, startEmulators, type Emulators } from '@podsg/adapters-fake';
import { Ec2NetworkInterfaceApi } from './ec2/Ec2NetworkInterfaceApi.js';
import { KubernetesClusterApi } from './kubernetes/services/KubernetesClusterApi.js';
import { loadKubeConfig } from './kubernetes/services/loadKubeConfig.js';

const SUBNET = 'subnet-0a1b2c3d';
const SG_WEB = 'sg-0123456789abcdef0';
const SG_DB = 'sg-0fedcba9876543210';
const CONTROLLER = 'system:serviceaccount:kube-system:podsg-controller';

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

// The chaos simulation's guarantees with BOTH production adapters over HTTP. The
// controller drives Ec2NetworkInterfaceApi → FakeEc2Server (SigV4, XML) → FakeEc2 and
// KubernetesClusterApi → FakeKubernetesServer (HTTPS, watches) → FakeCluster, with faults on both
// wires and in the EC2 model, and is replaced twice by a new instance on new adapters (a
// restarted process). Virtual time is pumped in 200 ms steps with a real millisecond between
// them, so HTTP round trips complete while timers (backoff, cooldown, GC) run fast.
describe('BranchController through both production adapters over HTTP, with faults and restarts', () => {
  it('wires every pod once, leaks nothing and keeps VLAN ids unique', async () => {
    const clock = new VirtualClock();
    const cloud: Emulators = await startEmulators({
      clock,
      seed: 7,
      builtInAdmission: true,
      cluster: {
        name: 'demo',
        vpc: { id: 'vpc-0a1b2c3d', cidr: '10.0.0.0/16' },
        subnets: [{ id: SUBNET, cidr: '10.0.0.0/20' }],
        securityGroups: [SG_WEB, SG_DB],
        nodes: ['node-a', 'node-b'].map((name) => ({
          name,
          instanceType: 'c5.xlarge',
          subnet: SUBNET,
          labels: { [HAS_TRUNK_ATTACHED_LABEL]: 'true' },
        })),
      },
      ec2Model: {
        faults: [
          { api: '*', rate: 0.1 },
          { api: 'CreateNetworkInterface', rate: 0.05, after: true },
        ],
      },
      ec2Faults: [
        { action: '*', rate: 0.03, effect: 'drop' },
        { action: '*', rate: 0.03, effect: 'lostReply' },
        { action: '*', rate: 0.03, effect: 'throttle' },
      ],
      watchHistory: 40,
      kubernetesFaults: [
        { fault: 'dropWatch', rate: 0.6, delayMs: 300 },
        { fault: 'throttle', rate: 0.05, verb: 'patch', retryAfterSeconds: 1 },
        { fault: 'error', rate: 0.05, status: 503 },
        { fault: 'lostReply', rate: 0.03, verb: 'patch' },
        { fault: 'expireWatch', rate: 0.2, delayMs: 500 },
      ],
      clusterModel: { controllerUsername: CONTROLLER },
    });
    const { fakeCluster: cluster, fakeEc2: ec2 } = cloud;
    cluster.applyPolicy(policy('web', 'web', SG_WEB));
    cluster.applyPolicy(policy('db', 'db', SG_DB));
    const random = new SeededRandom(11);
    const watchErrors: string[] = [];
    const adapters = () => ({
      ec2: new Ec2NetworkInterfaceApi({
        region: cloud.ec2.region,
        endpoint: cloud.ec2.url,
        credentials: cloud.ec2.credentials,
        clusterName: 'demo',
      }),
      kubernetes: new KubernetesClusterApi({
        kubeConfig: loadKubeConfig({ yaml: cloud.kubernetes.kubeconfig(CONTROLLER) }),
        clock,
        random: () => random.next(),
        onWatchError: (error) => watchErrors.push(error.kind),
      }),
    });
    const make = () => {
      const ports = adapters();
      const controller = new BranchController({
        networkInterfaces: ports.ec2,
        cluster: ports.kubernetes,
        clock,
        options: {
          clusterName: 'demo',
          cooldownSeconds: 30,
          recycleSeconds: 60,
          gcIntervalSeconds: 60,
          random: () => random.next(),
        },
      });
      return { controller, ...ports };
    };
    let current = make();
    const stopCurrent = async () => {
      await current.controller.stop();
      await current.kubernetes.close();
      current.ec2.destroy();
    };
    stop = async () => {
      await stopCurrent();
      await cloud.close();
    };
    const run = async (seconds: number) => {
      const end = clock.now() + seconds * 1000;
      while (clock.now() < end) {
        await clock.advance(200);
        await new Promise((resolve) => setTimeout(resolve, 1));
      }
    };
    // start() fails when an initial listing meets an injected 503 or 429 (as documented); the
    // process would exit and be restarted, so a fresh controller on fresh adapters starts again.
    let failedStarts = 0;
    const start = async () => {
      for (;;) {
        const state: { done: boolean; error?: Error } = { done: false };
        current.controller.start().then(
          () => {
            state.done = true;
          },
          (error: unknown) => {
            state.done = true;
            state.error =
              error instanceof Error ? error : new Error(`start failed: ${String(error)}`);
          },
        );
        while (!state.done) await run(1);
        const { error } = state;
        if (error === undefined) return;
        const retryable =
          AllocatorError.is(error, 'Transient') || AllocatorError.is(error, 'Throttled');
        if (!retryable || ++failedStarts > 5) throw error;
        await stopCurrent();
        current = make();
      }
    };
    const restart = async () => {
      await stopCurrent();
      current = make();
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
    cloud.ec2.server.setFaults([]);
    cloud.kubernetes.server.setFaults([]);
    await run(400);

    const live = cluster.pods().filter((pod) => pod.podEniRequest > 0 && pod.nodeName !== null);
    expect(live).toHaveLength(16);
    for (const pod of live) expect(annotation(pod.name), pod.name).not.toBeNull();
    const owners = live.map((pod) => annotation(pod.name)?.eniId);
    expect(new Set(owners).size, 'an interface given to two pods').toBe(owners.length);
    const explained = new Set(
      current.controller
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
      expect(seen.has(key), `VLAN ${key} used twice`).toBe(false);
      seen.add(key);
    }
    // The faults did happen on both wires (and in the EC2 model).
    const codes = new Set(
      cloud.ec2.server.requests().flatMap((r) => (r.code === undefined ? [] : [r.code])),
    );
    expect(codes.size).toBeGreaterThan(1);
    expect(watchErrors.length, 'watches dropped or refused').toBeGreaterThan(0);
    console.log(
      `EC2 answers: ${[...codes].join(', ')}; watch errors recovered: ${watchErrors.length}; failed starts restarted: ${failedStarts}`,
    );
  }, 120_000);
});
