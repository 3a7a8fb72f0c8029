import { afterEach, describe, expect, it } from 'vitest';
import { AllocatorError, BranchController, HAS_TRUNK_ATTACHED_LABEL } from '@podsg/allocator';
import { SeededRandom, VirtualClock, startEmulators, type Emulators } from '@podsg/adapters-fake';
import {
  CHAOS_CONTROLLER_OPTIONS,
  SG_DB,
  SG_WEB,
  SUBNET,
  expectWiredAndClean,
  policy,
  pump,
  pumpUntil,
  runChaosScript,
} from './chaosScript.testkit.js';
import { Ec2NetworkInterfaceApi } from './ec2/Ec2NetworkInterfaceApi.js';
import { KubernetesClusterApi } from './kubernetes/services/KubernetesClusterApi.js';
import { loadKubeConfig } from './kubernetes/services/loadKubeConfig.js';

const CONTROLLER = 'system:serviceaccount:kube-system:podsg-controller';

let stop: () => Promise<void> = () => Promise.resolve();
afterEach(async () => {
  await stop();
});

// The chaos simulation's guarantees with BOTH production adapters over HTTP. The
// controller drives Ec2NetworkInterfaceApi → FakeEc2Server (SigV4, XML) → FakeEc2 and
// KubernetesClusterApi → FakeKubernetesServer (HTTPS, watches) → FakeCluster, with faults on both
// wires and in the EC2 model, and is replaced twice by a new instance on new adapters (a
// restarted process). Virtual time is pumped (chaosScript.testkit.ts) so HTTP round trips complete.
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
        options: { ...CHAOS_CONTROLLER_OPTIONS, random: () => random.next() },
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
    // start() fails when an initial listing meets an injected 503 or 429 (as documented); the
    // process would exit and be restarted, so a fresh controller on fresh adapters starts again.
    let failedStarts = 0;
    const start = async () => {
      for (;;) {
        const error = await pumpUntil(clock, current.controller.start()).then(
          () => undefined,
          (cause: unknown) =>
            cause instanceof Error ? cause : new Error(`start failed: ${String(cause)}`),
        );
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

    await start();
    await pump(clock, 30);
    await runChaosScript({
      clock,
      cluster,
      restart,
      quiet: () => {
        ec2.setFaults([]);
        cloud.ec2.server.setFaults([]);
        cloud.kubernetes.server.setFaults([]);
      },
    });
    expectWiredAndClean({ cluster, ec2, controller: current.controller });
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
