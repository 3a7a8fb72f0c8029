import { afterEach, describe, expect, it } from 'vitest';
import { AllocatorError, BranchController } from '../index.js';
import { SG_WEB, SUBNET, world } from './BranchController.testkit.js';
import type { World } from './BranchController.testkit.js';

let current: World | null = null;
afterEach(async () => {
  await current?.controller.stop();
  current = null;
});

/** Interfaces no live pod, cooldown or hold explains. */
function leaked(w: World): string[] {
  const explained = new Set(
    w.controller
      .inspect()
      .branches.filter((b) => b.state === 'cooling' || b.state === 'held' || b.pod !== null)
      .map((b) => b.eniId),
  );
  return w
    .branches()
    .map((b) => b.networkInterfaceId)
    .filter((id) => !explained.has(id));
}

describe('BranchController: EC2 discipline', () => {
  it('backs off and retries when EC2 throttles, and still allocates every pod', async () => {
    const w = (current = await world(
      {
        rateLimits: { perApi: { CreateNetworkInterface: { capacity: 100, refillPerSecond: 100 } } },
      },
      { throttle: { CreateNetworkInterface: { capacity: 3, refillPerSecond: 1 } } },
    ));
    const throttled: number[] = [];
    w.controller.events.on('throttled', (detail) => throttled.push(detail.delayMs));
    w.addNode('node-a', 'c5.xlarge');
    await w.run(10);
    for (let i = 0; i < 10; i++) await w.createPod(`web-${i}`);
    await w.run(120);
    for (let i = 0; i < 10; i++) expect(w.annotation(`web-${i}`)).not.toBeNull();
    expect(w.controller.stats().throttled).toBeGreaterThan(0);
    expect(w.controller.stats().throttledByApi.CreateNetworkInterface).toBeGreaterThan(0);
    expect(throttled.length).toBeGreaterThan(0);
    expect(Math.max(...throttled)).toBeLessThanOrEqual(10_000);
  });

  it('keeps calls within its own bucket: a slightly slower client bucket is never throttled', async () => {
    const w = (current = await world(
      { rateLimits: { perApi: { CreateNetworkInterface: { capacity: 3, refillPerSecond: 0.8 } } } },
      { throttle: { CreateNetworkInterface: { capacity: 3, refillPerSecond: 1 } } },
    ));
    w.addNode('node-a', 'c5.xlarge');
    await w.run(10);
    for (let i = 0; i < 10; i++) await w.createPod(`web-${i}`);
    await w.run(60);
    expect(w.ec2.calls().filter((call) => call.outcome === 'throttled')).toHaveLength(0);
    for (let i = 0; i < 10; i++) expect(w.annotation(`web-${i}`)).not.toBeNull();
  });

  it('converges under 10% injected faults with restarts: one interface per pod, no leaks', async () => {
    const w = (current = await world(
      { cooldownSeconds: 30, recycleSeconds: 60, gcIntervalSeconds: 60 },
      {
        faults: [
          { api: '*', rate: 0.1 },
          { api: 'CreateNetworkInterface', rate: 0.05, after: true },
        ],
      },
    ));
    w.addNode('node-a', 'c5.xlarge');
    w.addNode('node-b', 'c5.xlarge');
    await w.run(30);
    for (let i = 0; i < 20; i++) await w.createPod(`web-${i}`, { app: i % 2 === 0 ? 'web' : 'db' });
    await w.run(20);
    await w.restart();
    for (let i = 0; i < 10; i++)
      await w.cluster.deletePod('default', `web-${i}`, { gracePeriodSeconds: 0 });
    for (let i = 20; i < 26; i++) await w.createPod(`web-${i}`);
    await w.run(15);
    await w.restart();
    await w.run(200);
    w.ec2.setFaults([]);
    await w.run(400);
    const live = w.cluster.pods().filter((pod) => pod.podEniRequest > 0 && pod.nodeName !== null);
    for (const pod of live) expect(w.annotation(pod.name), pod.name).not.toBeNull();
    const owners = live.map((pod) => w.annotation(pod.name)!.eniId);
    expect(new Set(owners).size).toBe(owners.length);
    expect(leaked(w)).toEqual([]);
    // VLAN ids are unique per trunk.
    const perTrunk = new Map<string, Set<number>>();
    for (const association of w.ec2.associations()) {
      const vlans = perTrunk.get(association.trunkInterfaceId) ?? new Set<number>();
      expect(vlans.has(association.vlanId)).toBe(false);
      vlans.add(association.vlanId);
      perTrunk.set(association.trunkInterfaceId, vlans);
    }
  });

  it('garbage-collects an unmanaged available interface only on its second sweep', async () => {
    const w = (current = await world({ gcIntervalSeconds: 60 }));
    w.addNode('node-a');
    await w.run(5);
    const stray = w.ec2.createNetworkInterface({
      subnetId: SUBNET,
      groupIds: [SG_WEB],
      description: 'aws-k8s-branch-eni',
      tags: { 'kubernetes.io/cluster/demo': 'owned' },
      interfaceType: 'branch',
      clientToken: 'stray-1',
    });
    await w.run(1);
    const id = (await stray).networkInterfaceId;
    const sweeps: number[] = [];
    w.controller.events.on('swept', () => sweeps.push(w.clock.now()));
    await w.run(60);
    expect(sweeps).toHaveLength(1);
    expect(w.branches().map((b) => b.networkInterfaceId)).toContain(id);
    await w.run(60);
    expect(sweeps).toHaveLength(2);
    await w.run(2);
    expect(w.branches().map((b) => b.networkInterfaceId)).not.toContain(id);
  });

  it('garbage-collects an unmanaged branch associated with our trunk (made by a stopped controller after the recovery listed) on its second sweep', async () => {
    const w = (current = await world({ gcIntervalSeconds: 60 }));
    w.addNode('node-a');
    await w.run(5);
    const trunkId = w.controller.inspect().nodes[0]!.trunkInterfaceId!;
    const creating = w.ec2.createNetworkInterface({
      subnetId: SUBNET,
      groupIds: [SG_WEB],
      description: 'aws-k8s-branch-eni',
      tags: {
        'kubernetes.io/cluster/demo': 'owned',
        'podsg.io/node': 'node-a',
        'vpcresources.k8s.aws/trunk-eni-id': trunkId,
      },
      interfaceType: 'branch',
      clientToken: 'stray-associated-1',
    });
    await w.run(1);
    const stray = await creating;
    const associating = w.ec2.associateTrunkInterface({
      trunkInterfaceId: trunkId,
      branchInterfaceId: stray.networkInterfaceId,
      vlanId: 7,
      clientToken: 'stray-associated-1',
    });
    await w.run(1);
    await associating;
    const sweeps: number[] = [];
    w.controller.events.on('swept', () => sweeps.push(w.clock.now()));
    await w.run(60);
    expect(sweeps).toHaveLength(1);
    expect(w.branches().map((b) => b.networkInterfaceId)).toContain(stray.networkInterfaceId);
    await w.run(60);
    expect(sweeps).toHaveLength(2);
    await w.run(5);
    expect(w.branches().map((b) => b.networkInterfaceId)).not.toContain(stray.networkInterfaceId);
    expect(w.ec2.associations().filter((a) => a.trunkInterfaceId === trunkId)).toEqual([]);
  });

  it('refuses a cooldown below 30 seconds, naming the option', () => {
    const w = { networkInterfaces: null as never, cluster: null as never, clock: null as never };
    let error: unknown;
    try {
      new BranchController({ ...w, options: { clusterName: 'demo', cooldownSeconds: 10 } });
    } catch (caught) {
      error = caught;
    }
    expect(AllocatorError.is(error, 'Invalid')).toBe(true);
    expect((error as Error).message).toContain('cooldownSeconds');
  });
});

describe('BranchController: baseline strategy', () => {
  it('deletes released interfaces after the cooldown and creates anew for the next pod', async () => {
    const w = (current = await world({ strategy: 'baseline' }));
    expect(w.controller.options).toMatchObject({
      workers: 30,
      callAttempts: 3,
      requeues: 5,
      reuse: false,
      rateLimits: { shared: { capacity: 18, refillPerSecond: 12 } },
    });
    w.addNode('node-a');
    await w.run(5);
    await w.createPod('web-1');
    await w.run(5);
    const first = w.annotation('web-1')!.eniId;
    await w.cluster.deletePod('default', 'web-1', { gracePeriodSeconds: 0 });
    await w.run(61);
    expect(w.branches()).toHaveLength(0);
    await w.createPod('web-2');
    await w.run(5);
    expect(w.annotation('web-2')!.eniId).not.toBe(first);
    expect(w.controller.stats().reused).toBe(0);
  });
});

describe('BranchController: stop', () => {
  it('leaves no timer behind and goes idle', async () => {
    const w = (current = await world({ cooldownSeconds: 30, gcIntervalSeconds: 60 }));
    w.addNode('node-a');
    await w.run(5);
    await w.createPod('web-1');
    await w.createPod('web-2');
    await w.run(5);
    await w.cluster.deletePod('default', 'web-1', { gracePeriodSeconds: 0 });
    await w.run(1);
    expect(w.controller.nextDeadline()).not.toBeNull();
    expect(w.clock.pendingTimers).toBeGreaterThan(0);
    await w.controller.stop();
    await w.clock.settle();
    expect(w.clock.pendingTimers).toBe(0);
    expect(w.controller.idle()).toBe(true);
    await expect(w.controller.whenIdle()).resolves.toBeUndefined();
  });
});
