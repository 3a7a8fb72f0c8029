import { describe, expect, it } from 'vitest';
import {
  CniError,
  diffPlanAgainstSnapshot,
  planNodeSetup,
  planPodNetwork,
  planPodTeardown,
} from '@podsg/cni';
import type { PlanStep, PodNetworkInput } from '@podsg/cni';
import { FakeKernel } from './FakeKernel.js';

const SANDBOX = { netns: '/var/run/netns/cni-1' };

const input = (
  mode: 'strict' | 'standard',
  overrides: Partial<PodNetworkInput> = {},
): PodNetworkInput => ({
  mode,
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
  },
  ...overrides,
});

function kernelWithPod(): FakeKernel {
  const kernel = new FakeKernel();
  kernel.createNamespace(SANDBOX.netns);
  return kernel;
}

async function failure(promise: Promise<unknown>): Promise<CniError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof CniError) return error;
    throw error;
  }
  throw new Error('expected a failure');
}

const apply = (kernel: FakeKernel, ...steps: PlanStep[]) => kernel.apply({ steps }, SANDBOX);

describe('FakeKernel with the real planner', () => {
  for (const mode of ['strict', 'standard'] as const) {
    it(`applies a ${mode}-mode pod plan that CHECK then finds complete, and tears it down`, async () => {
      const kernel = kernelWithPod();
      const plan = planPodNetwork(input(mode));
      await kernel.apply(plan, SANDBOX);
      const host = await kernel.snapshot(null);
      const pod = await kernel.snapshot(SANDBOX);
      expect(diffPlanAgainstSnapshot(plan, host, pod)).toEqual([]);
      expect(host.links.find((l) => l.name === 'vlan.eth.3')).toMatchObject({
        kind: 'vlan',
        parent: 'eth1',
        vlanId: 3,
        mac: '02:1a:2b:3c:4d:5e',
        up: true,
      });
      expect(pod.routes).toContainEqual(
        expect.objectContaining({ dst: 'default', via: '169.254.1.1', dev: 'eth0' }),
      );

      await kernel.apply(planPodTeardown(input(mode)), SANDBOX);
      const after = await kernel.snapshot(null);
      expect(after.links.map((l) => l.name).sort()).toEqual(['eth0', 'eth1', 'lo']);
      expect(after.routes).toEqual([]);
      expect(after.rules).toEqual((await new FakeKernel().snapshot(null)).rules);
      // A second teardown, and one after the namespace is gone, succeed.
      await kernel.apply(planPodTeardown(input(mode)), SANDBOX);
      kernel.deleteNamespace(SANDBOX.netns);
      await kernel.apply(planPodTeardown(input(mode)), SANDBOX);
    });
  }

  it('applies the IPv6 shape, with a link-local gateway', async () => {
    const kernel = kernelWithPod();
    const plan = planPodNetwork(
      input('strict', {
        branch: {
          vlanId: 4,
          ifAddress: '02:1a:2b:3c:4d:5f',
          privateIp: '10.0.4.18',
          subnetCidr: '10.0.0.0/20',
          ipv6Addr: '2600:1f14:abc:de00::10',
          subnetV6Cidr: '2600:1f14:abc:de00::/64',
        },
      }),
    );
    await kernel.apply(plan, SANDBOX);
    expect(
      diffPlanAgainstSnapshot(plan, await kernel.snapshot(null), await kernel.snapshot(SANDBOX)),
    ).toEqual([]);
  });

  it('node setup moves the local rule (strict mode)', async () => {
    const kernel = new FakeKernel();
    await kernel.apply(planNodeSetup({ mode: 'strict', ipv6: true }).routePlan, null);
    const rules = (await kernel.snapshot(null)).rules.filter((r) => r.table === 'local');
    expect(rules.map((r) => r.priority)).toEqual([20, 20]);
  });
});

describe('FakeKernel semantics', () => {
  it('creating a link that exists is EEXIST, naming the step', async () => {
    const kernel = kernelWithPod();
    const vlan: PlanStep = {
      op: 'link.add.vlan',
      ns: 'host',
      name: 'vlan.eth.7',
      parent: 'eth1',
      vlanId: 7,
      mac: '02:00:00:00:00:07',
    };
    await apply(kernel, vlan);
    const error = await failure(apply(kernel, vlan));
    expect(error.kind).toBe('ApplyFailed');
    expect(error.details).toBe('EEXIST');
    expect(error.message).toContain('step 0 (link.add.vlan vlan.eth.7');
    // The same VLAN id on the same parent under another name is refused too.
    expect((await failure(apply(kernel, { ...vlan, name: 'other' }))).details).toBe('EEXIST');
  });

  it('a missing device is ENODEV; steps before the failure stay applied', async () => {
    const kernel = kernelWithPod();
    const error = await failure(
      apply(
        kernel,
        { op: 'link.set', ns: 'host', name: 'eth1', mtu: 1500 },
        {
          op: 'link.add.vlan',
          ns: 'host',
          name: 'vlan.eth.1',
          parent: 'eth9',
          vlanId: 1,
          mac: '02:00:00:00:00:01',
        },
      ),
    );
    expect(error.details).toBe('ENODEV');
    expect(error.message).toContain('step 1');
    expect((await kernel.snapshot(null)).links.find((l) => l.name === 'eth1')?.mtu).toBe(1500);
    expect(
      (
        await failure(
          apply(kernel, { op: 'addr.add', ns: 'pod', dev: 'eth0', cidr: '10.0.0.1/32' }),
        )
      ).details,
    ).toBe('ENODEV');
  });

  it('a gateway no link route reaches is ENETUNREACH; a route over a down link ENETDOWN', async () => {
    const kernel = kernelWithPod();
    await apply(kernel, {
      op: 'link.add.vlan',
      ns: 'host',
      name: 'v',
      parent: 'eth1',
      vlanId: 2,
      mac: '02:00:00:00:00:02',
    });
    expect(
      (
        await failure(
          apply(kernel, {
            op: 'route.replace',
            ns: 'host',
            dst: '10.0.0.1/32',
            dev: 'v',
            scope: 'link',
            table: 102,
          }),
        )
      ).details,
    ).toBe('ENETDOWN');
    await apply(kernel, { op: 'link.set', ns: 'host', name: 'v', up: true });
    expect(
      (
        await failure(
          apply(kernel, {
            op: 'route.replace',
            ns: 'host',
            dst: 'default',
            via: '10.0.0.1',
            dev: 'v',
            table: 102,
          }),
        )
      ).details,
    ).toBe('ENETUNREACH');
    await apply(
      kernel,
      { op: 'route.replace', ns: 'host', dst: '10.0.0.1/32', dev: 'v', scope: 'link', table: 102 },
      { op: 'route.replace', ns: 'host', dst: 'default', via: '10.0.0.1', dev: 'v', table: 102 },
      { op: 'route.replace', ns: 'host', dst: 'default', via: '10.0.0.1', dev: 'v', table: 102 },
    );
    expect((await kernel.snapshot(null)).routes).toEqual([
      { table: 102, dst: '10.0.0.1/32', dev: 'v', scope: 'link' },
      { table: 102, dst: 'default', dev: 'v', via: '10.0.0.1', scope: 'universe' },
    ]);
  });

  it('deleting a link takes its routes, addresses and neighbours; rules survive', async () => {
    const kernel = kernelWithPod();
    await kernel.apply(planPodNetwork(input('strict')), SANDBOX);
    await apply(kernel, { op: 'link.del', ns: 'host', name: 'vlan.eth.3' });
    const host = await kernel.snapshot(null);
    expect(host.routes.filter((r) => r.dev === 'vlan.eth.3')).toEqual([]);
    expect(host.rules.filter((r) => r.iif === 'vlan.eth.3')).toHaveLength(1);
    // Deleting the host end of the veth removes the pod end, with its address and neighbour.
    const hostVeth = host.links.find((l) => l.kind === 'veth')?.name ?? '';
    await apply(kernel, { op: 'link.del', ns: 'host', name: hostVeth });
    const pod = await kernel.snapshot(SANDBOX);
    expect(pod.links.map((l) => l.name)).toEqual(['lo']);
    expect([pod.addresses, pod.routes, pod.neighbours]).toEqual([[], [], []]);
    // Deleting the parent removes its VLANs.
    await apply(kernel, {
      op: 'link.add.vlan',
      ns: 'host',
      name: 'v9',
      parent: 'eth1',
      vlanId: 9,
      mac: '02:00:00:00:00:09',
    });
    await apply(kernel, { op: 'link.del', ns: 'host', name: 'eth1' });
    expect((await kernel.snapshot(null)).links.map((l) => l.name)).toEqual(['lo', 'eth0']);
  });

  it('deletes are idempotent; rule.del matches only the selectors given', async () => {
    const kernel = kernelWithPod();
    await apply(
      kernel,
      { op: 'rule.add', ns: 'host', priority: 10, table: 103, iif: 'a' },
      { op: 'rule.add', ns: 'host', priority: 10, table: 103, iif: 'a' },
      { op: 'rule.add', ns: 'host', priority: 10, table: 103, iif: 'b' },
    );
    const mine = async () => (await kernel.snapshot(null)).rules.filter((r) => r.table === 103);
    expect(await mine()).toHaveLength(2);
    await apply(
      kernel,
      { op: 'rule.del', ns: 'host', priority: 10, table: 103, iif: 'b' },
      { op: 'rule.del', ns: 'host', priority: 10, table: 103, iif: 'b' },
    );
    expect((await mine()).map((r) => r.iif)).toEqual(['a']);
    await apply(kernel, { op: 'rule.del', ns: 'host', priority: 10, table: 103 });
    expect(await mine()).toEqual([]);
    await apply(
      kernel,
      { op: 'link.del', ns: 'host', name: 'nothing' },
      { op: 'route.del', ns: 'host', dst: '10.9.9.9/32', table: 103 },
    );
  });

  it('pod steps need the pod namespace; snapshot of a missing one is NotFound', async () => {
    const kernel = new FakeKernel();
    expect(
      (await failure(apply(kernel, { op: 'link.set', ns: 'pod', name: 'eth0', up: true }))).details,
    ).toBe('ENOENT');
    expect((await failure(kernel.snapshot(SANDBOX))).kind).toBe('NotFound');
  });

  it('deleting a pod namespace destroys the host end of its veth', async () => {
    const kernel = kernelWithPod();
    await kernel.apply(planPodNetwork(input('standard')), SANDBOX);
    expect((await kernel.snapshot(null)).links.some((l) => l.kind === 'veth')).toBe(true);
    kernel.deleteNamespace(SANDBOX.netns);
    expect((await kernel.snapshot(null)).links.some((l) => l.kind === 'veth')).toBe(false);
    expect(kernel.namespaces()).toEqual([]);
  });
});

describe('FakeKernel injected faults', () => {
  const vlan = (vlanId: number): PlanStep => ({
    op: 'link.add.vlan',
    ns: 'host',
    name: `vlan.eth.${vlanId}`,
    parent: 'eth1',
    vlanId,
    mac: '02:00:00:00:00:07',
  });

  it('a matching step fails with the errno, naming the step, and takes no effect', async () => {
    const kernel = new FakeKernel({ faults: [{ op: 'link.add.vlan', rate: 1, errno: 'ENOMEM' }] });
    kernel.createNamespace(SANDBOX.netns);
    const error = await failure(
      apply(kernel, { op: 'link.set', ns: 'host', name: 'eth1', mtu: 1500 }, vlan(7)),
    );
    expect(error.kind).toBe('ApplyFailed');
    expect(error.details).toBe('ENOMEM');
    expect(error.message).toMatch(
      /^step 1 \(link\.add\.vlan vlan\.eth\.7 .*\) failed: RTNETLINK answers: Cannot allocate memory$/,
    );
    const host = await kernel.snapshot(null);
    expect(host.links.find((l) => l.name === 'eth1')?.mtu).toBe(1500);
    expect(host.links.some((l) => l.name === 'vlan.eth.7')).toBe(false);
    expect(kernel.appliedSteps().map((entry) => [entry.step.op, entry.ok])).toEqual([
      ['link.set', true],
      ['link.add.vlan', false],
    ]);
    // Without faults the same step goes through; EPERM is the default errno.
    kernel.setFaults([]);
    await apply(kernel, vlan(7));
    kernel.setFaults([{ op: '*', rate: 1 }]);
    expect((await failure(apply(kernel, { op: 'link.del', ns: 'host', name: 'x' }))).details).toBe(
      'EPERM',
    );
  });

  it('draws from the seed: the same seed fails the same steps, and MACs do not move', async () => {
    const outcomes = async (seed: number, rate: number) => {
      const kernel = new FakeKernel({ seed, faults: [{ op: 'link.add.vlan', rate }] });
      kernel.createNamespace(SANDBOX.netns);
      const failed: number[] = [];
      for (let vlanId = 100; vlanId < 140; vlanId++) {
        await apply(kernel, vlan(vlanId)).catch(() => failed.push(vlanId));
      }
      kernel.setFaults([]);
      await kernel.apply(planPodNetwork(input('strict', { podName: 'mac' })), SANDBOX);
      const podMac = (await kernel.snapshot(SANDBOX)).links.find((l) => l.name === 'eth0')?.mac;
      return { failed, podMac };
    };
    const first = await outcomes(7, 0.5);
    expect(first.failed.length).toBeGreaterThan(0);
    expect(first.failed.length).toBeLessThan(40);
    expect(await outcomes(7, 0.5)).toEqual(first);
    expect((await outcomes(7, 0)).podMac).toBe(first.podMac);
    expect((await outcomes(7, 0)).failed).toEqual([]);
  });

  it('refuses a rule that names no step, a rate outside [0, 1] or an unknown errno', () => {
    expect(() => new FakeKernel({ faults: [{ op: 'link.add.vlan', rate: 1.5 }] })).toThrow(
      /faults\[0\]\.rate: 1\.5/,
    );
    const kernel = new FakeKernel();
    const invalid = [
      { op: 'link.add.bridge', rate: 1 },
      { op: '*', rate: 1, errno: 'EAGAIN' },
    ] as unknown as { op: '*'; rate: number }[];
    for (const [index, rule] of invalid.entries()) {
      let error: unknown = null;
      try {
        kernel.setFaults([{ op: '*', rate: 0 }, rule]);
      } catch (thrown) {
        error = thrown;
      }
      expect(CniError.is(error, 'InvalidConfig')).toBe(true);
      expect((error as CniError).message).toContain(`faults[1].${index === 0 ? 'op' : 'errno'}`);
    }
  });
});
