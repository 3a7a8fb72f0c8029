import { it } from 'vitest';
import { AllocatorError } from '@podsg/allocator';
import { FakeEc2 } from './FakeEc2.js';
import { VirtualClock } from './VirtualClock.js';

const SG = 'sg-0123456789abcdef0';

/**
 * Ten simulated minutes of a busy region: 30 workers on 20 trunks creating, associating,
 * disassociating and deleting branches through EC2's default buckets, with 40–300 ms latency
 * and 5% faults. Prints wall time, calls and simulated-to-real speed-up.
 */
it('FakeEc2 + VirtualClock: ten simulated minutes of branch churn', async () => {
  const clock = new VirtualClock();
  const ec2 = new FakeEc2({
    clock,
    seed: 42,
    vpc: { id: 'vpc-0a1b2c3d', cidr: '10.0.0.0/16' },
    subnets: [{ id: 'subnet-0a1b2c3d', cidr: '10.0.0.0/18' }],
    securityGroups: [SG],
    latencyMs: { min: 40, max: 300 },
    faults: [{ api: '*', rate: 0.05, after: true }],
  });
  const retry = async <T>(call: () => Promise<T>): Promise<T> => {
    for (let attempt = 0; ; attempt++) {
      try {
        return await call();
      } catch (error) {
        if (!AllocatorError.isRetryable(error)) throw error;
        await clock.sleep(Math.min(10_000, 100 * 2 ** attempt));
      }
    }
  };
  const trunks: string[] = [];
  // Every call waits on the virtual clock, so set-up runs while the clock is driven.
  const launching = (async () => {
    for (let n = 0; n < 20; n++) {
      const instance = ec2.addInstance({ instanceType: 'c5.4xlarge', subnetId: 'subnet-0a1b2c3d' });
      const trunk = await retry(() =>
        ec2.createNetworkInterface({
          subnetId: 'subnet-0a1b2c3d',
          groupIds: [SG],
          description: 'aws-k8s-trunk-eni',
          tags: {},
          interfaceType: 'trunk',
          clientToken: `trunk-${n}`,
        }),
      );
      await retry(() =>
        ec2
          .attachNetworkInterface({
            networkInterfaceId: trunk.networkInterfaceId,
            instanceId: instance.instanceId,
            deviceIndex: 1,
          })
          .catch((e: unknown) => {
            if (AllocatorError.is(e, 'InvalidParameter')) return { attachmentId: '' }; // attached by a lost-response retry
            throw e;
          }),
      );
      trunks.push(trunk.networkInterfaceId);
    }
  })();
  await clock.runUntilIdle();
  await launching;
  await clock.advance(1000);
  const end = Number(process.env.BENCH_SIM_MS ?? 10 * 60 * 1000);
  let cycles = 0;
  const worker = async (id: number): Promise<void> => {
    for (let i = 0; clock.now() < end; i++) {
      const trunk = trunks[(id + i) % trunks.length] ?? '';
      const vlanId = (id % 50) + 1;
      const branch = await retry(() =>
        ec2.createNetworkInterface({
          subnetId: 'subnet-0a1b2c3d',
          groupIds: [SG],
          description: 'aws-k8s-branch-eni',
          tags: { w: String(id) },
          interfaceType: 'branch',
          clientToken: `b-${id}-${i}`,
        }),
      );
      const association = await retry(() =>
        ec2.associateTrunkInterface({
          trunkInterfaceId: trunk,
          branchInterfaceId: branch.networkInterfaceId,
          vlanId,
          clientToken: `a-${id}-${i}`,
        }),
      );
      await clock.sleep(5000);
      await retry(() =>
        ec2.disassociateTrunkInterface({
          associationId: association.associationId,
          clientToken: `d-${id}-${i}`,
        }),
      );
      await retry(() =>
        ec2.deleteNetworkInterface(branch.networkInterfaceId).catch((e: unknown) => {
          if (AllocatorError.is(e, 'NotFound')) return; // deleted by a lost-response retry
          throw e;
        }),
      );
      cycles++;
    }
  };
  const started = performance.now();
  const workers = Array.from({ length: 30 }, (_, id) => worker(id));
  await clock.runUntilIdle({ maxMs: end + 120_000 });
  await Promise.all(workers);
  const wallMs = performance.now() - started;
  const calls = ec2.calls();
  console.log(
    `FakeEc2 churn: ${(clock.now() / 1000).toFixed(0)} simulated s in ${wallMs.toFixed(0)} ms wall ` +
      `(${(clock.now() / wallMs).toFixed(0)}× real time); ${calls.length} calls, ` +
      `${calls.filter((c) => c.outcome === 'throttled').length} throttled, ` +
      `${calls.filter((c) => c.outcome === 'fault').length} faults, ${cycles} branch cycles, ` +
      `${((wallMs * 1000) / calls.length).toFixed(1)} µs wall per call`,
  );
});
