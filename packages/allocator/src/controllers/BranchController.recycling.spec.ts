import { afterEach, describe, expect, it } from 'vitest';
import { SG_DB, SG_WEB, world } from './BranchController.testkit.js';
import type { World } from './BranchController.testkit.js';

let current: World | null = null;
afterEach(async () => {
  await current?.controller.stop();
  current = null;
});

const mutating = (w: World, api: string): number =>
  w.ec2.calls().filter((call) => call.api === api && call.outcome === 'ok').length;

describe('BranchController: release, cooldown, hold and reuse', () => {
  it('never hands out an interface during its cooldown', async () => {
    const w = (current = await world({ cooldownSeconds: 30 }));
    w.addNode('node-a');
    await w.run(5);
    await w.createPod('web-1');
    await w.run(5);
    const first = w.annotation('web-1')!;
    await w.cluster.deletePod('default', 'web-1', { gracePeriodSeconds: 0 });
    await w.run(1);
    expect(w.controller.inspect().branches[0]).toMatchObject({ state: 'cooling', pod: null });
    await w.createPod('web-2');
    await w.run(10);
    const second = w.annotation('web-2')!;
    expect(second.eniId).not.toBe(first.eniId);
    expect(second.vlanId).toBe(2);
    expect(mutating(w, 'CreateNetworkInterface')).toBe(3); // trunk + two branches
  });

  it('gives a held interface to a waiting pod of the same group set: same ENI, VLAN and IP, zero EC2 mutations', async () => {
    const w = (current = await world({ cooldownSeconds: 30, recycleSeconds: 300 }));
    w.addNode('node-a');
    await w.run(5);
    await w.createPod('web-1');
    await w.run(5);
    const first = w.annotation('web-1')!;
    await w.cluster.deletePod('default', 'web-1', { gracePeriodSeconds: 0 });
    await w.run(31);
    expect(w.controller.inspect().branches[0]).toMatchObject({ state: 'held', eniId: first.eniId });
    const before = w.controller.stats();
    await w.createPod('web-2');
    await w.run(5);
    const second = w.annotation('web-2')!;
    expect(second).toEqual(first);
    const after = w.controller.stats();
    expect(after.mutatingCalls).toBe(before.mutatingCalls);
    expect(after.reused).toBe(1);
    expect(w.controller.inspect().branches[0]).toMatchObject({
      state: 'in-use',
      pod: { name: 'web-2' },
    });
    // The pod-uid tag is rewritten in the background lane, counted apart.
    await w.run(5);
    const uid = w.cluster.pods().find((pod) => pod.name === 'web-2')!.uid;
    expect(w.branches()[0]!.tags['podsg.io/pod-uid']).toBe(uid);
    expect(after.tagCalls + w.controller.stats().tagCalls).toBeGreaterThan(0);
  });

  it('deletes a held interface after recycleSeconds (disassociate, then delete)', async () => {
    const w = (current = await world({ cooldownSeconds: 30, recycleSeconds: 120 }));
    w.addNode('node-a');
    await w.run(5);
    await w.createPod('web-1');
    await w.run(5);
    await w.cluster.deletePod('default', 'web-1', { gracePeriodSeconds: 0 });
    await w.run(31 + 100);
    expect(w.branches()).toHaveLength(1);
    await w.run(30);
    expect(w.branches()).toHaveLength(0);
    expect(w.ec2.associations()).toHaveLength(0);
    const order = w.ec2
      .calls()
      .filter((c) => c.api === 'DisassociateTrunkInterface' || c.api === 'DeleteNetworkInterface')
      .map((c) => c.api);
    expect(order).toEqual(['DisassociateTrunkInterface', 'DeleteNetworkInterface']);
  });

  it('deletes a held interface of another group set when a waiting pod needs the capacity', async () => {
    const w = (current = await world({ cooldownSeconds: 30, recycleSeconds: 3_600 }));
    w.addNode('node-a', 'c5.large'); // 9 branches
    await w.run(5);
    for (let i = 0; i < 9; i++) await w.createPod(`web-${i}`);
    await w.run(20);
    expect(w.branches()).toHaveLength(9);
    for (let i = 0; i < 9; i++) {
      await w.cluster.deletePod('default', `web-${i}`, { gracePeriodSeconds: 0 });
    }
    await w.run(31);
    expect(w.controller.inspect().nodes[0]!.counts.held).toBe(9);
    await w.createPod('db-1', { app: 'db' });
    await w.run(10);
    const db = w.annotation('db-1')!;
    expect(db).not.toBeNull();
    expect(w.branches().find((b) => b.networkInterfaceId === db.eniId)!.groupIds).toEqual([SG_DB]);
    expect(w.branches()).toHaveLength(9);
    const counts = w.controller.inspect().nodes[0]!.counts;
    expect(
      counts['in-use'] + counts.held + counts.cooling + counts.creating + counts.deleting,
    ).toBeLessThanOrEqual(9);
    expect(w.branches().filter((b) => b.groupIds[0] === SG_WEB)).toHaveLength(8);
  });
});
