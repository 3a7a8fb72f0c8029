import { afterEach, describe, expect, it } from 'vitest';
import { SG_WEB, SUBNET, world } from './BranchController.testkit.js';
import type { World } from './BranchController.testkit.js';

let current: World | null = null;
afterEach(async () => {
  await current?.controller.stop();
  current = null;
});

const okCalls = (w: World, api: string): number =>
  w.ec2.calls().filter((call) => call.api === api && call.outcome === 'ok').length;

/** Creates a branch as a crashed controller would have, tagged for `podUid` on `node`. */
async function strayBranch(w: World, podUid: string, node: string) {
  const trunk = w.ec2.interfaces().find((eni) => eni.interfaceType === 'trunk')!;
  const created = w.ec2.createNetworkInterface({
    subnetId: SUBNET,
    groupIds: [SG_WEB],
    description: 'aws-k8s-branch-eni',
    tags: {
      'kubernetes.io/cluster/demo': 'owned',
      'podsg.io/pod-uid': podUid,
      'podsg.io/node': node,
      'vpcresources.k8s.aws/trunk-eni-id': trunk.networkInterfaceId,
    },
    interfaceType: 'branch',
    clientToken: `stray-${podUid}`,
  });
  await w.run(1);
  return created;
}

describe('BranchController: restart recovery', () => {
  it('rebuilds in-use branches from annotations without any EC2 mutation', async () => {
    const w = (current = await world());
    w.addNode('node-a');
    await w.run(5);
    for (let i = 0; i < 5; i++) await w.createPod(`web-${i}`);
    await w.run(10);
    const before = w.ec2.calls().length;
    await w.restart();
    await w.run(10);
    const mutations = w.ec2
      .calls()
      .slice(before)
      .filter((call) => !call.api.startsWith('Describe'));
    expect(mutations).toEqual([]);
    const branches = w.controller.inspect().branches;
    expect(branches).toHaveLength(5);
    expect(branches.every((branch) => branch.state === 'in-use')).toBe(true);
    // A released pod after the restart follows the normal path.
    await w.cluster.deletePod('default', 'web-0', { gracePeriodSeconds: 0 });
    await w.run(1);
    expect(w.controller.inspect().branches.filter((b) => b.state === 'cooling')).toHaveLength(1);
  });

  it('adopts an interface created for a live pod that was never annotated (no second create)', async () => {
    const w = (current = await world());
    w.addNode('node-a');
    await w.run(5);
    await w.controller.stop();
    await w.createPod('web-1');
    await w.run(1);
    const stray = await strayBranch(w, w.uid('web-1'), 'node-a');
    const creates = okCalls(w, 'CreateNetworkInterface');
    await w.restart();
    await w.run(10);
    expect(w.annotation('web-1')?.eniId).toBe(stray.networkInterfaceId);
    expect(okCalls(w, 'CreateNetworkInterface')).toBe(creates);
    expect(w.branches()).toHaveLength(1);
    expect(w.controller.stats().adopted).toBe(1);
  });

  it('deletes an unassociated interface whose pod is gone, and cools down an associated one', async () => {
    const w = (current = await world({ cooldownSeconds: 30, recycleSeconds: 60 }));
    w.addNode('node-a');
    await w.run(5);
    await w.createPod('web-1');
    await w.run(5);
    const used = w.annotation('web-1')!.eniId;
    await w.controller.stop();
    await w.cluster.deletePod('default', 'web-1', { gracePeriodSeconds: 0 });
    const orphan = await strayBranch(w, '00000000-0000-0000-0000-000000000000', 'node-a');
    await w.run(1);
    await w.restart();
    await w.run(5);
    const ids = w.branches().map((b) => b.networkInterfaceId);
    expect(ids).not.toContain(orphan.networkInterfaceId);
    expect(ids).toContain(used);
    expect(w.controller.inspect().branches).toMatchObject([{ eniId: used, state: 'cooling' }]);
    await w.run(30 + 60 + 5);
    expect(w.branches()).toHaveLength(0);
  });

  it('never creates a second interface for a pod when create responses are lost', async () => {
    const w = (current = await world(
      { callBackoff: { baseMs: 100, maxMs: 1_000 } },
      { faults: [{ api: 'CreateNetworkInterface', rate: 0.5, after: true }] },
    ));
    w.addNode('node-a', 'c5.xlarge');
    await w.run(20);
    for (let i = 0; i < 8; i++) await w.createPod(`web-${i}`);
    await w.run(120);
    w.ec2.setFaults([]);
    await w.run(60);
    const owners = w.branches().map((b) => b.tags['podsg.io/pod-uid']);
    expect(new Set(owners).size).toBe(owners.length);
    for (let i = 0; i < 8; i++) expect(w.annotation(`web-${i}`)).not.toBeNull();
    expect(w.branches()).toHaveLength(8);
  });
});
