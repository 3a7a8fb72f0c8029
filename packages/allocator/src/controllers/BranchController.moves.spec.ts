import { afterEach, describe, expect, it } from 'vitest';
import { HAS_TRUNK_ATTACHED_LABEL } from '../index.js';
import type { BranchControllerOptions } from '../index.js';
import { SG_NODE, world } from './BranchController.testkit.js';
import type { World } from './BranchController.testkit.js';

let current: World | null = null;
afterEach(async () => {
  await current?.controller.stop();
  current = null;
});

const OTHER_SUBNET = 'subnet-0a1b2c3e';

const calls = (w: World, api: string, from = 0): number =>
  w.ec2.calls().filter((call) => call.api === api && call.outcome === 'ok' && call.at >= from)
    .length;

/** A pod bound to `node` (as if the scheduler chose it). */
const podOn = (w: World, name: string, node: string): Promise<void> =>
  w.createPod(name, { app: 'web' }, { nodeName: node });

/** Two nodes; `web-1` ran on node-a and its branch is held there (confirmed by cooldown). */
async function heldOnA(options: Partial<BranchControllerOptions> = {}): Promise<World> {
  const w = (current = await world(
    { cooldownSeconds: 30, recycleSeconds: 600, ...options },
    {
      subnets: [
        { id: 'subnet-0a1b2c3d', cidr: '10.0.0.0/20' },
        { id: OTHER_SUBNET, cidr: '10.0.16.0/20' },
      ],
    },
  ));
  w.addNode('node-a');
  w.addNode('node-b');
  await w.run(5);
  await podOn(w, 'web-1', 'node-a');
  await w.run(5);
  await w.cluster.deletePod('default', 'web-1', { gracePeriodSeconds: 0 });
  await w.run(31);
  expect(w.controller.inspect().branches).toMatchObject([{ node: 'node-a', state: 'held' }]);
  return w;
}

function trunkOf(w: World, node: string): string {
  const trunk = w.controller.inspect().nodes.find((n) => n.name === node)?.trunkInterfaceId;
  if (trunk == null) throw new Error(`no trunk on ${node}`);
  return trunk;
}

describe('BranchController: moving held branches between nodes', () => {
  it('moves a held branch to a pod on another node of the subnet: 2 calls, same address and MAC, a VLAN of the new trunk', async () => {
    const w = await heldOnA();
    const held = w.branches()[0]!;
    const since = w.clock.now();
    await podOn(w, 'web-2', 'node-b');
    await w.run(5);
    const moved = w.annotation('web-2')!;
    expect(moved).toMatchObject({
      eniId: held.networkInterfaceId,
      ifAddress: held.macAddress,
      privateIp: held.privateIpAddress,
      vlanId: 1,
    });
    expect(w.ec2.associations()).toEqual([
      expect.objectContaining({
        trunkInterfaceId: trunkOf(w, 'node-b'),
        branchInterfaceId: held.networkInterfaceId,
        associationId: moved.associationID,
      }),
    ]);
    expect([
      calls(w, 'CreateNetworkInterface', since),
      calls(w, 'DisassociateTrunkInterface', since),
      calls(w, 'AssociateTrunkInterface', since),
      calls(w, 'DeleteNetworkInterface', since),
    ]).toEqual([0, 1, 1, 0]);
    expect(w.controller.stats().moved).toBe(1);
    const nodes = w.controller.inspect().nodes;
    expect(nodes.find((n) => n.name === 'node-a')!.counts).toMatchObject({ held: 0, deleting: 0 });
    expect(nodes.find((n) => n.name === 'node-b')!.counts['in-use']).toBe(1);
    // Its life goes on on node-b: released there, it cools and is held there.
    await w.cluster.deletePod('default', 'web-2', { gracePeriodSeconds: 0 });
    await w.run(31);
    expect(w.controller.inspect().branches).toMatchObject([
      { node: 'node-b', state: 'held', eniId: held.networkInterfaceId },
    ]);
  });

  it('creates instead when moves are off', async () => {
    const w = await heldOnA({ moveBranches: false });
    await podOn(w, 'web-2', 'node-b');
    await w.run(5);
    expect(w.annotation('web-2')!.eniId).not.toBe(w.annotation('web-1')?.eniId);
    expect(w.branches()).toHaveLength(2);
    expect(w.controller.stats().moved).toBe(0);
  });

  it('never moves to a node of another subnet', async () => {
    const w = await heldOnA();
    const instance = w.ec2.addInstance({
      instanceType: 'c5.large',
      subnetId: OTHER_SUBNET,
      groupIds: [SG_NODE],
    });
    w.cluster.addNode({
      name: 'node-c',
      instanceId: instance.instanceId,
      instanceType: 'c5.large',
      labels: { [HAS_TRUNK_ATTACHED_LABEL]: 'true' },
    });
    await w.run(5);
    await podOn(w, 'web-3', 'node-c');
    await w.run(5);
    const branch = w.branches().find((b) => b.networkInterfaceId === w.annotation('web-3')!.eniId);
    expect(branch?.subnetId).toBe(OTHER_SUBNET);
    expect(w.controller.inspect().branches.filter((b) => b.state === 'held')).toHaveLength(1);
  });

  it('falls back to a new interface when the disassociation fails, deleting the branch it could not move', async () => {
    const w = await heldOnA({ callAttempts: 1 });
    const held = w.branches()[0]!.networkInterfaceId;
    w.ec2.setFaults([{ api: 'DisassociateTrunkInterface', rate: 1, code: 'InternalError' }]);
    await podOn(w, 'web-2', 'node-b');
    await w.run(10);
    w.ec2.setFaults([]);
    const given = w.annotation('web-2')!;
    expect(given.eniId).not.toBe(held);
    expect(w.reasons()).toContain('ResourceAllocated');
    // The delete path's retries settle the branch that stayed on node-a.
    await w.run(120);
    expect(w.branches().map((b) => b.networkInterfaceId)).toEqual([given.eniId]);
    expect(w.controller.stats().moved).toBe(0);
  });

  it('recovers a move cut between its two calls: the available interface is deleted, the pod gets a branch', async () => {
    const w = await heldOnA();
    const held = w.branches()[0]!.networkInterfaceId;
    // The association on node-b is lost with the controller: it stops right after disassociating.
    w.controller.events.on('moved', () => {
      void w.controller.stop();
    });
    await podOn(w, 'web-2', 'node-b');
    await w.run(5);
    expect(w.ec2.associations()).toEqual([]);
    expect(w.branches().find((b) => b.networkInterfaceId === held)?.status).toBe('available');
    expect(w.annotation('web-2')).toBeNull();
    await w.restart({ cooldownSeconds: 30, recycleSeconds: 600 });
    await w.run(10);
    const given = w.annotation('web-2')!;
    expect(given).not.toBeNull();
    expect(w.branches().map((b) => b.networkInterfaceId)).toEqual([given.eniId]);
    expect(w.ec2.associations()).toHaveLength(1);
  });

  it('recovers a moved branch on the node whose trunk has it, though its tags name the first node', async () => {
    const w = await heldOnA();
    const held = w.branches()[0]!;
    await podOn(w, 'web-2', 'node-b');
    await w.run(5);
    await w.cluster.deletePod('default', 'web-2', { gracePeriodSeconds: 0 });
    await w.run(2);
    expect(held.tags['podsg.io/node']).toBe('node-a');
    await w.restart({ cooldownSeconds: 30, recycleSeconds: 600 });
    // Found on node-b's trunk: it cools down there, its VLAN id taken in node-b's ledger.
    expect(w.controller.inspect().branches).toMatchObject([
      { node: 'node-b', state: 'cooling', eniId: held.networkInterfaceId, vlanId: 1 },
    ]);
    await w.run(31);
    await podOn(w, 'web-3', 'node-b');
    await w.run(5);
    expect(w.annotation('web-3')).toMatchObject({ eniId: held.networkInterfaceId, vlanId: 1 });
    expect(w.branches()).toHaveLength(1);
  });

  it('with releaseWaitSeconds, a pod waits for a release on another node and takes it by a move', async () => {
    const w = (current = await world({
      cooldownSeconds: 30,
      recycleSeconds: 600,
      releaseWaitSeconds: 60,
    }));
    w.addNode('node-a');
    w.addNode('node-b');
    await w.run(5);
    await podOn(w, 'web-1', 'node-a');
    await w.run(5);
    const first = w.annotation('web-1')!;
    await w.cluster.deletePod('default', 'web-1', { gracePeriodSeconds: 0 });
    await w.run(1);
    await podOn(w, 'web-2', 'node-b');
    await w.run(10);
    // Still cooling on node-a: the pod waits instead of creating.
    expect(w.annotation('web-2')).toBeNull();
    expect(w.branches()).toHaveLength(1);
    await w.run(25);
    expect(w.annotation('web-2')).toMatchObject({ eniId: first.eniId, privateIp: first.privateIp });
    expect(w.controller.stats()).toMatchObject({ moved: 1, created: 1 });
  });

  it('with releaseWaitSeconds, a pod whose wait ends without a release creates', async () => {
    const w = (current = await world({ releaseWaitSeconds: 5 }));
    w.addNode('node-a');
    w.addNode('node-b');
    await w.run(5);
    await podOn(w, 'web-1', 'node-a');
    await w.run(5);
    await podOn(w, 'web-2', 'node-b');
    // Branches of the group set only in use: a short grace, then a create.
    await w.run(5);
    expect(w.annotation('web-2')).not.toBeNull();
    expect(w.controller.stats()).toMatchObject({ moved: 0, created: 2 });
  });
});

describe('BranchController: a move whose pod goes first', () => {
  it('leaves the branch held where it was when the pod is deleted before the move starts', async () => {
    const w = await heldOnA({ workers: 1 });
    const held = w.branches()[0]!.networkInterfaceId;
    // One worker, busy with db-1's allocation: the move waits in the queue while web-2 goes.
    await w.createPod('db-1', { app: 'db' }, { nodeName: 'node-a' });
    await podOn(w, 'web-2', 'node-b');
    await w.cluster.deletePod('default', 'web-2', { gracePeriodSeconds: 0 });
    await w.run(5);
    expect(w.controller.inspect().branches.find((b) => b.eniId === held)).toMatchObject({
      node: 'node-a',
      state: 'held',
    });
    expect(w.controller.stats().moved).toBe(0);
    expect(w.ec2.associations()).toHaveLength(2); // the held branch and db-1's
    expect(w.ec2.calls().filter((call) => call.api === 'DisassociateTrunkInterface')).toEqual([]);
  });
});
