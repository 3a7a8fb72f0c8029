import { describe, expect, it } from 'vitest';
import { diffPlanAgainstSnapshot, hostVethName, planNodeSetup, planPodNetwork } from '../index.js';
import type { PodNetworkInput } from '../index.js';
import { FakeKernel } from '@podsg/adapters-fake';

// CHECK's comparison, run against what the fake kernel holds after applying a real plan.

const input: PodNetworkInput = {
  mode: 'strict',
  podNamespace: 'default',
  podName: 'web-1',
  ifName: 'eth0',
  mtu: 9001,
  vethPrefix: 'eni',
  hostVethMac: '0e:11:22:33:44:55',
  trunkLink: 'eth1',
  branch: {
    vlanId: 3,
    ifAddress: '02:1a:2b:3c:4d:5e',
    privateIp: '10.0.4.17',
    subnetCidr: '10.0.0.0/20',
    ipv6Addr: '2600:1f14::17',
  },
};
const sandbox = { netns: '/var/run/netns/cni-1' };

async function wired(mode: 'strict' | 'standard') {
  const kernel = new FakeKernel();
  kernel.createNamespace(sandbox.netns);
  const plan = planPodNetwork({ ...input, mode });
  await kernel.apply(plan, sandbox);
  return { kernel, plan };
}

describe('diffPlanAgainstSnapshot against FakeKernel', () => {
  it('finds nothing to report right after the plan was applied, in both modes', async () => {
    for (const mode of ['strict', 'standard'] as const) {
      const { kernel, plan } = await wired(mode);
      expect(
        diffPlanAgainstSnapshot(plan, await kernel.snapshot(null), await kernel.snapshot(sandbox)),
      ).toEqual([]);
    }
  });

  it('accepts the forms ip -j prints: addresses without /32, uppercase MACs', async () => {
    const { kernel, plan } = await wired('standard');
    const host = await kernel.snapshot(null);
    host.rules = host.rules.map((r) => ({
      ...r,
      ...(r.to ? { to: r.to.replace('/32', '') } : {}),
    }));
    host.links = host.links.map((l) => ({ ...l, mac: l.mac.toUpperCase() }));
    expect(diffPlanAgainstSnapshot(plan, host, await kernel.snapshot(sandbox))).toEqual([]);
  });

  it('names each missing or different item', async () => {
    const { kernel, plan } = await wired('strict');
    const host = await kernel.snapshot(null);
    const pod = await kernel.snapshot(sandbox);
    const H = hostVethName('strict', 'default', 'web-1');
    host.rules = host.rules.filter((r) => !(r.iif === H && r.family === 4));
    host.routes = host.routes.filter(
      (r) => !(r.table === 103 && r.dst === 'default' && r.via === '10.0.0.1'),
    );
    const vlan = host.links.find((l) => l.name === 'vlan.eth.3')!;
    vlan.mac = '02:00:00:00:00:99';
    pod.neighbours = pod.neighbours.map((n) => ({ ...n, permanent: n.ip !== '169.254.1.1' }));
    pod.addresses = pod.addresses.filter((a) => a.cidr !== '2600:1f14::17/128');
    pod.links = pod.links.map((l) => ({ ...l, up: false }));
    expect(diffPlanAgainstSnapshot(plan, host, pod)).toEqual([
      'pod link eth0 is down',
      'pod neighbour 169.254.1.1 on eth0 is not permanent',
      'pod address 2600:1f14::17/128 on eth0 is missing',
      `host rule priority 10 iif ${H} lookup 103 is missing`,
      'host link vlan.eth.3 has MAC 02:00:00:00:00:99, expected 02:1a:2b:3c:4d:5e',
      'host route default via 10.0.0.1 dev vlan.eth.3 table 103 is missing',
    ]);
  });

  it('reports pod steps when the pod namespace is gone, and deletions that did not happen', async () => {
    const { kernel, plan } = await wired('strict');
    const host = await kernel.snapshot(null);
    const differences = diffPlanAgainstSnapshot(plan, host, null);
    expect(differences.filter((d) => d.startsWith('pod namespace is not available'))).toHaveLength(
      plan.steps.filter((s) => s.ns === 'pod').length,
    );
    // The kernel's own IPv4 rule `0: lookup local` is there until node setup moves it.
    expect(host.rules).toContainEqual({ priority: 0, table: 'local', family: 4 });
    expect(
      diffPlanAgainstSnapshot(planNodeSetup({ mode: 'strict' }).routePlan, host, null),
    ).toEqual([
      'host rule priority 20 lookup local is missing',
      'host rule priority 0 lookup local still exists',
    ]);
  });
});
