import { afterEach, describe, expect, it } from 'vitest';
import { SG_DB, SG_NODE, SG_WEB, policy, world } from './BranchController.testkit.js';
import type { World } from './BranchController.testkit.js';

let current: World | null = null;
afterEach(async () => {
  await current?.controller.stop();
  current = null;
});

describe('BranchController: live policy changes', () => {
  it('applies changed groups to allocated pods with ModifyNetworkInterfaceAttribute and an event', async () => {
    const w = (current = await world());
    w.addNode('node-a');
    await w.run(5);
    await w.createPod('web-1');
    await w.run(5);
    const eniId = w.annotation('web-1')!.eniId;
    w.cluster.applyPolicy(policy('web', { app: 'web' }, [SG_WEB, SG_DB]));
    await w.run(2);
    const eni = w.branches().find((b) => b.networkInterfaceId === eniId)!;
    expect([...eni.groupIds].sort()).toEqual([SG_WEB, SG_DB].sort());
    expect(w.reasons()).toContain('SecurityGroupsUpdated');
    expect(w.controller.inspect().branches[0]!.groupIds).toEqual([SG_WEB, SG_DB].sort());
  });

  it("falls back to the node's primary groups with a Warning when no policy matches any more", async () => {
    const w = (current = await world());
    w.addNode('node-a');
    await w.run(5);
    await w.createPod('web-1');
    await w.run(5);
    const eniId = w.annotation('web-1')!.eniId;
    w.cluster.deletePolicy('default', 'web');
    await w.run(2);
    expect(w.branches().find((b) => b.networkInterfaceId === eniId)!.groupIds).toEqual([SG_NODE]);
    const removed = w.cluster.events().find((event) => event.reason === 'SecurityGroupsRemoved');
    expect(removed?.type).toBe('Warning');
    expect(w.annotation('web-1')!.eniId).toBe(eniId);
    expect(w.controller.inspect().branches[0]).toMatchObject({ fallbackGroups: true });
  });

  it('follows service account label changes for policies with a serviceAccountSelector', async () => {
    const w = (current = await world());
    w.cluster.applyServiceAccount({
      metadata: { name: 'api', namespace: 'default', labels: { tier: 'a' } },
    });
    w.cluster.applyPolicy({
      apiVersion: 'vpcresources.k8s.aws/v1beta1',
      kind: 'SecurityGroupPolicy',
      metadata: { name: 'by-sa', namespace: 'default' },
      spec: {
        serviceAccountSelector: { matchLabels: { tier: 'b' } },
        securityGroups: { groupIds: [SG_DB] },
      },
    });
    w.addNode('node-a');
    await w.run(5);
    await w.createPod('web-1', { app: 'web' }, { serviceAccountName: 'api' });
    await w.run(5);
    const eniId = w.annotation('web-1')!.eniId;
    expect(w.branches()[0]!.groupIds).toEqual([SG_WEB]);
    w.cluster.applyServiceAccount({
      metadata: { name: 'api', namespace: 'default', labels: { tier: 'b' } },
    });
    await w.run(2);
    expect([...w.branches().find((b) => b.networkInterfaceId === eniId)!.groupIds].sort()).toEqual(
      [SG_DB, SG_WEB].sort(),
    );
  });

  it('warns about a pod that matches a policy but requests no branch (webhook failed open)', async () => {
    const w = (current = await world({}, {}, true, { admission: false }));
    w.addNode('node-a');
    await w.run(5);
    await w.createPod('web-1');
    await w.createPod('other-1', { app: 'other' });
    await w.run(5);
    const warnings = w.cluster
      .events()
      .filter((event) => event.reason === 'SecurityGroupsNotApplied');
    expect(warnings.map((event) => event.involvedObject.name)).toEqual(['web-1']);
    expect(w.branches()).toHaveLength(0);
  });

  describe('a change while a pod is being allocated', () => {
    /** Runs `change` when the controller sends the CreateNetworkInterface of a branch. */
    function onBranchCreate(w: World, change: () => void): void {
      const create = w.ec2.createNetworkInterface.bind(w.ec2);
      w.ec2.createNetworkInterface = (request) => {
        if (request.interfaceType === 'branch') change();
        return create(request);
      };
    }

    /** The groups of each allocation: in the event, and on the interface in EC2 at that moment. */
    function allocations(w: World): { event: string[]; ec2: string[] }[] {
      const seen: { event: string[]; ec2: string[] }[] = [];
      w.controller.events.on('allocated', (detail) => {
        const eni = w.branches().find((b) => b.networkInterfaceId === detail.eniId);
        seen.push({ event: [...detail.groupIds], ec2: [...(eni?.groupIds ?? [])].sort() });
      });
      return seen;
    }

    it('gives the pod the groups its policies resolve to when it is annotated, not those it was queued with', async () => {
      const w = (current = await world());
      w.addNode('node-a');
      await w.run(5);
      const seen = allocations(w);
      onBranchCreate(w, () => w.cluster.applyPolicy(policy('web', { app: 'web' }, [SG_DB])));
      await w.createPod('web-1');
      await w.run(5);
      // The pod never ran with the old groups: no update after it got its network.
      expect(seen).toEqual([{ event: [SG_DB], ec2: [SG_DB] }]);
      expect(w.reasons()).not.toContain('SecurityGroupsUpdated');
      expect(w.branches().map((b) => b.groupIds)).toEqual([[SG_DB]]);
    });

    it('sets the groups again after a change whose ModifyNetworkInterfaceAttribute answer was lost', async () => {
      const w = (current = await world());
      w.addNode('node-a');
      await w.run(5);
      const seen = allocations(w);
      onBranchCreate(w, () => {
        w.cluster.applyPolicy(policy('web', { app: 'web' }, [SG_DB]));
        // The modify to [SG_DB] takes effect, but the controller never hears so.
        w.ec2.setFaults([{ api: 'ModifyNetworkInterfaceAttribute', rate: 1, after: true }]);
      });
      w.controller.events.once('allocationFailed', () => {
        // The policy is back to what the interface was created with before the retry.
        w.ec2.setFaults([]);
        w.cluster.applyPolicy(policy('web', { app: 'web' }, [SG_WEB]));
      });
      await w.createPod('web-1');
      await w.run(30);
      expect(seen).toEqual([{ event: [SG_WEB], ec2: [SG_WEB] }]);
      expect(w.branches().map((b) => b.groupIds)).toEqual([[SG_WEB]]);
    });
  });
});
