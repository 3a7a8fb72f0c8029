import { afterEach, describe, expect, it } from 'vitest';
import { SG_DB, SG_WEB, world } from './BranchController.testkit.js';
import type { World } from './BranchController.testkit.js';

let current: World | null = null;
afterEach(async () => {
  await current?.controller.stop();
  current = null;
});

const creates = (w: World): number =>
  w.ec2.calls().filter((call) => call.api === 'CreateNetworkInterface' && call.outcome === 'ok')
    .length;

const held = (w: World, groupId: string): number =>
  w.controller.inspect().branches.filter((b) => b.state === 'held' && b.groupIds.join() === groupId)
    .length;

describe('BranchController: warm pool', () => {
  it('keeps branches of the group sets a node used ready, so the next pods get one without an EC2 call', async () => {
    const w = (current = await world({ warmPool: { branchesPerNode: 2, idleSeconds: 300 } }));
    w.addNode('node-a');
    await w.run(5);
    // No demand yet: nothing is predicted, nothing is created.
    expect(creates(w)).toBe(1); // the trunk
    await w.createPod('web-1');
    await w.run(10);
    expect(held(w, SG_WEB)).toBe(2);
    const before = w.controller.stats().mutatingCalls;
    await w.createPod('web-2');
    await w.createPod('web-3');
    await w.run(1);
    expect(w.annotation('web-2')).not.toBeNull();
    expect(w.annotation('web-3')).not.toBeNull();
    expect(w.controller.stats().reused).toBe(2);
    // Refilled afterwards, with spare tokens only.
    await w.run(10);
    expect(held(w, SG_WEB)).toBe(2);
    expect(w.controller.stats().mutatingCalls - before).toBe(4);
  });

  it('deletes warm branches nobody took after idleSeconds and does not create them again without demand', async () => {
    const w = (current = await world({ warmPool: { branchesPerNode: 3, idleSeconds: 60 } }));
    w.addNode('node-a');
    await w.run(5);
    await w.createPod('web-1');
    await w.run(10);
    expect(held(w, SG_WEB)).toBe(3);
    const afterFill = creates(w);
    await w.run(70);
    expect(held(w, SG_WEB)).toBe(0);
    expect(w.branches()).toHaveLength(1); // web-1's own
    await w.run(3_600);
    expect(creates(w)).toBe(afterFill);
  });

  it('never goes beyond the node’s capacity, and a pod of another group set still gets a slot', async () => {
    const w = (current = await world({ warmPool: { branchesPerNode: 50, idleSeconds: 600 } }));
    w.addNode('node-a', 'c5.large'); // 9 branches
    await w.run(5);
    await w.createPod('web-1');
    await w.run(30);
    expect(w.branches()).toHaveLength(9);
    expect(held(w, SG_WEB)).toBe(8);
    await w.createPod('db-1', { app: 'db' });
    await w.run(10);
    const db = w.annotation('db-1')!;
    expect(w.branches().find((b) => b.networkInterfaceId === db.eniId)?.groupIds).toEqual([SG_DB]);
    expect(w.branches().length).toBeLessThanOrEqual(9);
  });

  it('fills a new node for what the cluster runs', async () => {
    const w = (current = await world({ warmPool: { branchesPerNode: 2, idleSeconds: 600 } }));
    w.addNode('node-a');
    await w.run(5);
    await w.createPod('db-1', { app: 'db' });
    await w.run(10);
    w.addNode('node-b');
    await w.run(15);
    const onB = w.controller
      .inspect()
      .branches.filter((b) => b.node === 'node-b' && b.state === 'held');
    expect(onB.map((b) => b.groupIds)).toEqual([[SG_DB], [SG_DB]]);
  });
});
