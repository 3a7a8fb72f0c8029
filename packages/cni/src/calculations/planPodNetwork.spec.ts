import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { CniError } from '../errors/CniError.js';
import type { PodNetworkInput } from '../models/PodNetworkInput.js';
import { planPodNetwork } from './planPodNetwork.js';

const hash = createHash('sha1').update('default.web-1').digest('hex').slice(0, 11);

const strictInput: PodNetworkInput = {
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
    ifAddress: '02:1A:2B:3C:4D:5E',
    privateIp: '10.0.4.17',
    subnetCidr: '10.0.0.0/20',
  },
};

describe('planPodNetwork', () => {
  it('wires a strict-mode IPv4 pod exactly as docs/architecture.md describes', () => {
    const H = `vlan${hash}`;
    expect(planPodNetwork(strictInput).steps).toEqual([
      {
        op: 'link.add.veth',
        ns: 'pod',
        name: 'eth0',
        peerName: H,
        peerNs: 'host',
        mtu: 9001,
        peerMac: '0e:11:22:33:44:55',
      },
      { op: 'link.set', ns: 'host', name: H, up: true },
      { op: 'link.set', ns: 'pod', name: 'eth0', up: true },
      { op: 'addr.add', ns: 'pod', dev: 'eth0', cidr: '10.0.4.17/32' },
      { op: 'route.replace', ns: 'pod', dst: '169.254.1.1/32', dev: 'eth0', scope: 'link' },
      { op: 'route.replace', ns: 'pod', dst: 'default', via: '169.254.1.1', dev: 'eth0' },
      { op: 'neigh.replace', ns: 'pod', dev: 'eth0', ip: '169.254.1.1', mac: '0e:11:22:33:44:55' },
      { op: 'route.replace', ns: 'host', dst: '10.0.4.17/32', dev: H, table: 103, scope: 'link' },
      { op: 'rule.add', ns: 'host', priority: 10, iif: 'vlan.eth.3', table: 103, family: 4 },
      { op: 'rule.add', ns: 'host', priority: 10, iif: H, table: 103, family: 4 },
      {
        op: 'link.add.vlan',
        ns: 'host',
        name: 'vlan.eth.3',
        parent: 'eth1',
        vlanId: 3,
        mac: '02:1a:2b:3c:4d:5e',
      },
      { op: 'link.set', ns: 'host', name: 'vlan.eth.3', up: true },
      {
        op: 'route.replace',
        ns: 'host',
        dst: '10.0.0.1/32',
        dev: 'vlan.eth.3',
        table: 103,
        scope: 'link',
      },
      {
        op: 'route.replace',
        ns: 'host',
        dst: 'default',
        via: '10.0.0.1',
        dev: 'vlan.eth.3',
        table: 103,
      },
    ]);
  });

  it('wires a standard-mode pod through main with rules 512 and 1536 and the eni prefix', () => {
    const H = `eni${hash}`;
    const steps = planPodNetwork({ ...strictInput, mode: 'standard' }).steps;
    expect(steps[0]).toMatchObject({ op: 'link.add.veth', peerName: H });
    expect(
      steps.filter((s) => s.ns === 'host' && s.op !== 'link.set' && s.op !== 'link.add.vlan'),
    ).toEqual([
      { op: 'route.replace', ns: 'host', dst: '10.0.4.17/32', dev: H, scope: 'link' },
      { op: 'rule.add', ns: 'host', priority: 512, to: '10.0.4.17/32', table: 'main' },
      { op: 'rule.add', ns: 'host', priority: 1536, from: '10.0.4.17/32', table: 103 },
      {
        op: 'route.replace',
        ns: 'host',
        dst: '10.0.0.1/32',
        dev: 'vlan.eth.3',
        table: 103,
        scope: 'link',
      },
      {
        op: 'route.replace',
        ns: 'host',
        dst: 'default',
        via: '10.0.0.1',
        dev: 'vlan.eth.3',
        table: 103,
      },
    ]);
  });

  it('adds the IPv6 family with /128, fe80::1 in the pod and fe80:ec2::1 on the VLAN', () => {
    const steps = planPodNetwork({
      ...strictInput,
      branch: {
        ...strictInput.branch,
        ipv6Addr: '2600:1F14:0:0::17',
        subnetV6Cidr: '2600:1f14::/64',
      },
    }).steps;
    const H = `vlan${hash}`;
    expect(steps).toContainEqual({
      op: 'addr.add',
      ns: 'pod',
      dev: 'eth0',
      cidr: '2600:1f14::17/128',
    });
    expect(steps).toContainEqual({
      op: 'route.replace',
      ns: 'pod',
      dst: 'fe80::1/128',
      dev: 'eth0',
      scope: 'link',
    });
    expect(steps).toContainEqual({
      op: 'route.replace',
      ns: 'pod',
      dst: 'default',
      via: 'fe80::1',
      dev: 'eth0',
    });
    expect(steps).toContainEqual({
      op: 'neigh.replace',
      ns: 'pod',
      dev: 'eth0',
      ip: 'fe80::1',
      mac: '0e:11:22:33:44:55',
    });
    expect(steps).toContainEqual({
      op: 'route.replace',
      ns: 'host',
      dst: '2600:1f14::17/128',
      dev: H,
      table: 103,
      scope: 'link',
    });
    expect(steps).toContainEqual({
      op: 'rule.add',
      ns: 'host',
      priority: 10,
      iif: H,
      table: 103,
      family: 6,
    });
    expect(steps).toContainEqual({
      op: 'route.replace',
      ns: 'host',
      dst: 'default',
      via: 'fe80:ec2::1',
      dev: 'vlan.eth.3',
      table: 103,
    });
    // IPv4 is still wired alongside.
    expect(steps).toContainEqual({ op: 'addr.add', ns: 'pod', dev: 'eth0', cidr: '10.0.4.17/32' });
  });

  it('creates the VLAN device last, after its rules, so GC never sees a VLAN without them', () => {
    const ops = planPodNetwork(strictInput).steps.map((s) => s.op);
    expect(ops.indexOf('link.add.vlan')).toBeGreaterThan(ops.lastIndexOf('rule.add'));
    expect(ops.indexOf('link.add.veth')).toBe(0);
  });

  it('tags the VLAN device with the attachment when the container id is known', () => {
    const vlan = planPodNetwork({ ...strictInput, containerId: 'abc123' }).steps.find(
      (s) => s.op === 'link.add.vlan',
    );
    expect(vlan).toMatchObject({ alias: 'podsg:abc123:eth0' });
  });

  it.each([
    ['branch.vlanId', { branch: { ...strictInput.branch, vlanId: 0 } }],
    ['branch.vlanId', { branch: { ...strictInput.branch, vlanId: 4095 } }],
    ['branch.ifAddress', { branch: { ...strictInput.branch, ifAddress: '02:1a:2b:3c:4d' } }],
    ['branch.ifAddress', { branch: { ...strictInput.branch, ifAddress: '01:00:5e:00:00:01' } }],
    ['branch.privateIp', { branch: { ...strictInput.branch, privateIp: '10.0.4.300' } }],
    ['branch.privateIp', { branch: { ...strictInput.branch, privateIp: '10.1.0.5' } }],
    ['branch.subnetCidr', { branch: { ...strictInput.branch, subnetCidr: '10.0.0.0' } }],
    ['branch.ipv6Addr', { branch: { ...strictInput.branch, ipv6Addr: '10.0.0.1' } }],
    [
      'branch.subnetV6Cidr',
      { branch: { ...strictInput.branch, ipv6Addr: '2600::1', subnetV6Cidr: 'x' } },
    ],
    ['hostVethMac', { hostVethMac: 'zz:11:22:33:44:55' }],
    ['mtu', { mtu: 100 }],
    ['trunkLink', { trunkLink: 'eth1; rm -rf /' }],
    ['trunkLink', { trunkLink: 'a-very-long-link-name' }],
    ['ifName', { ifName: '' }],
    ['vethPrefix', { mode: 'standard', vethPrefix: '--all' }],
    ['podName', { podName: '' }],
  ] as const)('refuses a bad %s with InvalidPlanInput naming it', (field, change) => {
    let error: unknown;
    try {
      planPodNetwork({ ...strictInput, ...change });
    } catch (e) {
      error = e;
    }
    expect(CniError.is(error, 'InvalidPlanInput')).toBe(true);
    expect((error as Error).message).toContain(field);
  });

  it.each([
    [153, 'default'],
    [154, 'main'],
    [155, 'local'],
  ])("refuses VLAN id %i: its table 100+N would be the kernel's %s", (vlanId, tableName) => {
    let error: unknown;
    try {
      planPodNetwork({ ...strictInput, branch: { ...strictInput.branch, vlanId } });
    } catch (caught) {
      error = caught;
    }
    expect(CniError.is(error, 'InvalidPlanInput')).toBe(true);
    const cniError = error as CniError;
    expect(cniError.details).toBe('branch.vlanId');
    expect(cniError.message).toContain(`branch.vlanId ${vlanId}`);
    expect(cniError.message).toContain(`${100 + vlanId} is the kernel's table ${tableName}`);
  });

  it.each([0, -1, 4095, 2.5])('refuses %s, which is no 802.1Q VLAN id', (vlanId) => {
    expect(() =>
      planPodNetwork({ ...strictInput, branch: { ...strictInput.branch, vlanId } }),
    ).toThrow(/branch\.vlanId .* is not a VLAN id/);
  });

  it('wires the VLAN ids around the kernel tables: 152 and 156', () => {
    for (const vlanId of [152, 156]) {
      const steps = planPodNetwork({
        ...strictInput,
        branch: { ...strictInput.branch, vlanId },
      }).steps;
      expect(steps.some((s) => s.op === 'link.add.vlan' && s.vlanId === vlanId)).toBe(true);
    }
  });
});
