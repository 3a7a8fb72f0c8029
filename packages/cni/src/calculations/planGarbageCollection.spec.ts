import { describe, expect, it } from 'vitest';
import { FakeKernel } from '@podsg/adapters-fake';
import type { NetworkSnapshot } from '../models/NetworkSnapshot.js';
import type { PodNetworkInput } from '../models/PodNetworkInput.js';
import { hostVethName } from './hostVethName.js';
import { planPodNetwork } from './planPodNetwork.js';
import {
  attachmentOfAlias,
  findAttachmentOfHostVeth,
  planGarbageCollection,
} from './planGarbageCollection.js';

// Pure cases first; then GC and findAttachmentOfHostVeth on nodes wired by real plans, held
// by the fake kernel.

describe('planGarbageCollection', () => {
  it('reads aliases strictly', () => {
    expect(attachmentOfAlias('podsg:abc:eth0')).toEqual({ containerID: 'abc', ifname: 'eth0' });
    for (const alias of [undefined, 'other:abc:eth0', 'podsg:abc', 'podsg::eth0', 'podsg:abc:']) {
      expect(attachmentOfAlias(alias)).toBeNull();
    }
  });

  it("leaves the kernel's own rules alone, though table 253 reads as 100 + 153", () => {
    // As `ip -N -j rule` reports a fresh host: tables 253 (default), 254 (main), 255 (local).
    const host: NetworkSnapshot = {
      links: [{ name: 'eth0', mac: '02:00:00:00:00:01', mtu: 9001, up: true }],
      addresses: [],
      routes: [],
      rules: [
        { priority: 0, table: 'local', family: 4 },
        { priority: 32766, table: 'main', family: 4 },
        { priority: 32767, table: 253, family: 4 },
      ],
      neighbours: [],
    };
    expect(planGarbageCollection(host, [])).toEqual({ plan: { steps: [] }, removed: [] });
    host.rules.push({ priority: 10, table: 253, iif: 'vlan0123456789a', family: 4 });
    expect(findAttachmentOfHostVeth(host, 'vlan0123456789a')).toBeNull();
  });
});

// GC plans read from, and applied to, a node the fake kernel holds.

function pod(
  name: string,
  vlanId: number,
  mode: 'strict' | 'standard',
  containerId?: string,
): PodNetworkInput {
  return {
    mode,
    podNamespace: 'default',
    podName: name,
    ifName: 'eth0',
    mtu: 9001,
    vethPrefix: 'eni',
    hostVethMac: `0e:00:00:00:00:${vlanId.toString(16).padStart(2, '0')}`,
    trunkLink: 'eth1',
    branch: {
      vlanId,
      ifAddress: `02:00:00:00:01:${vlanId.toString(16).padStart(2, '0')}`,
      privateIp: `10.0.0.${10 + vlanId}`,
      subnetCidr: '10.0.0.0/20',
    },
    ...(containerId === undefined ? {} : { containerId }),
  };
}

async function node(...pods: PodNetworkInput[]): Promise<FakeKernel> {
  const kernel = new FakeKernel();
  for (const p of pods) {
    const netns = `/ns/${p.podName}`;
    kernel.createNamespace(netns);
    await kernel.apply(planPodNetwork(p), { netns });
  }
  return kernel;
}

describe('planGarbageCollection against FakeKernel', () => {
  it('keeps attachments whose pod veth lives and removes those whose pod is gone, in both modes', async () => {
    for (const mode of ['strict', 'standard'] as const) {
      const kernel = await node(pod('live', 1, mode), pod('gone', 2, mode));
      kernel.deleteNamespace('/ns/gone');
      const { plan, removed } = planGarbageCollection(await kernel.snapshot(null), []);
      expect(removed).toEqual(['vlan.eth.2: no live pod veth uses it']);
      await kernel.apply(plan, null);
      const host = await kernel.snapshot(null);
      expect(host.links.map((l) => l.name).filter((n) => n.startsWith('vlan.eth'))).toEqual([
        'vlan.eth.1',
      ]);
      expect(host.rules.filter((r) => r.table === 102 || r.to === '10.0.0.12/32')).toEqual([]);
      expect(host.rules.filter((r) => r.table === 101)).toHaveLength(mode === 'strict' ? 2 : 1);
      // A second GC finds nothing more.
      expect(planGarbageCollection(host, []).plan.steps).toEqual([]);
    }
  });

  it('uses the VLAN alias when present: not in the valid list means stale, even with a live veth', async () => {
    const kernel = await node(pod('a', 1, 'strict', 'cid-a'), pod('b', 2, 'strict', 'cid-b'));
    const { plan, removed } = planGarbageCollection(await kernel.snapshot(null), [
      { containerID: 'cid-a', ifname: 'eth0' },
    ]);
    expect(removed).toEqual([
      'vlan.eth.2: container cid-b interface eth0 is not a valid attachment',
    ]);
    expect(plan.steps).toContainEqual({
      op: 'link.del',
      ns: 'host',
      name: hostVethName('strict', 'default', 'b'),
    });
    expect(plan.steps.at(-1)).toEqual({ op: 'link.del', ns: 'host', name: 'vlan.eth.2' });
  });

  it('removes rules left by an ADD killed before its VLAN device existed', async () => {
    const kernel = await node();
    const rulesBefore = (await kernel.snapshot(null)).rules;
    kernel.createNamespace('/ns/x');
    const steps = planPodNetwork(pod('x', 7, 'standard')).steps;
    await kernel.apply(
      {
        steps: steps.slice(
          0,
          steps.findIndex((s) => s.op === 'link.add.vlan'),
        ),
      },
      { netns: '/ns/x' },
    );
    expect((await kernel.snapshot(null)).rules).not.toEqual(rulesBefore);
    kernel.deleteNamespace('/ns/x');
    const { removed, plan } = planGarbageCollection(await kernel.snapshot(null), []);
    expect(removed).toEqual(['rules of table 107: no live pod veth uses it']);
    await kernel.apply(plan, null);
    // Only the kernel's own rules are left.
    expect((await kernel.snapshot(null)).rules).toEqual(rulesBefore);
  });
});

describe('findAttachmentOfHostVeth against FakeKernel', () => {
  it('finds the VLAN and pod address of a live veth in both modes', async () => {
    for (const mode of ['strict', 'standard'] as const) {
      const kernel = await node(pod('a', 4, mode));
      const found = findAttachmentOfHostVeth(
        await kernel.snapshot(null),
        hostVethName(mode, 'default', 'a', 'eni'),
      );
      expect(found).toEqual({ vlanId: 4, privateIp: '10.0.0.14' });
    }
  });

  it('still finds the VLAN of a strict pod whose namespace is gone, from its iif rule', async () => {
    const kernel = await node(pod('a', 4, 'strict'));
    kernel.deleteNamespace('/ns/a');
    expect(
      findAttachmentOfHostVeth(await kernel.snapshot(null), hostVethName('strict', 'default', 'a')),
    ).toEqual({ vlanId: 4 });
    expect(findAttachmentOfHostVeth(await kernel.snapshot(null), 'vlanunknown')).toBeNull();
  });
});
