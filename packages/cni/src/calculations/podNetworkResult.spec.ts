import { describe, expect, it } from 'vitest';
import type { PodNetworkInput } from '../models/PodNetworkInput.js';
import { hostVethName } from './hostVethName.js';
import { planPodTeardown } from './planPodTeardown.js';
import { podNetworkResult } from './podNetworkResult.js';
import { teardownInputFromPrevResult } from './teardownInputFromPrevResult.js';

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
  },
};
const dual = { ...input, branch: { ...input.branch, ipv6Addr: '2600:1f14::17' } };
const H = hostVethName('strict', 'default', 'web-1');

describe('podNetworkResult', () => {
  it('1.0.0: host veth, pod interface with sandbox, VLAN device; ips without version', () => {
    expect(podNetworkResult('1.0.0', dual, '/var/run/netns/cni-1')).toEqual({
      cniVersion: '1.0.0',
      interfaces: [
        { name: H, mac: '0e:11:22:33:44:55' },
        { name: 'eth0', sandbox: '/var/run/netns/cni-1' },
        { name: 'vlan.eth.3', mac: '02:1a:2b:3c:4d:5e' },
      ],
      ips: [
        { address: '10.0.4.17/32', gateway: '169.254.1.1', interface: 1 },
        { address: '2600:1f14::17/128', gateway: 'fe80::1', interface: 1 },
      ],
      routes: [
        { dst: '0.0.0.0/0', gw: '169.254.1.1' },
        { dst: '::/0', gw: 'fe80::1' },
      ],
    });
  });

  it.each(['0.3.0', '0.3.1', '0.4.0'] as const)('%s: ips carry version "4"/"6"', (version) => {
    const result = podNetworkResult(version, dual, '/ns');
    expect(result.cniVersion).toBe(version);
    expect(result.ips?.map((ip) => ip.version)).toEqual(['4', '6']);
    expect(result.interfaces?.every((i) => i.mtu === undefined)).toBe(true);
  });

  it('1.1.0: interfaces of the veth pair carry the MTU', () => {
    const result = podNetworkResult('1.1.0', input, '/ns');
    expect(result.interfaces?.map((i) => i.mtu)).toEqual([9001, 9001, undefined]);
    expect(result.ips?.[0]?.version).toBeUndefined();
  });
});

describe('teardownInputFromPrevResult', () => {
  it('rebuilds the teardown from the result alone, whatever the version', () => {
    for (const version of ['0.3.0', '0.4.0', '1.0.0', '1.1.0'] as const) {
      const prev = JSON.parse(JSON.stringify(podNetworkResult(version, dual, '/ns'))) as Record<
        string,
        unknown
      >;
      const attachment = teardownInputFromPrevResult(prev, 'strict', 'eth0');
      expect(attachment).toEqual({
        teardown: {
          mode: 'strict',
          ifName: 'eth0',
          hostVeth: H,
          branch: { vlanId: 3, privateIp: '10.0.4.17', ipv6Addr: '2600:1f14::17' },
        },
        hostVethMac: '0e:11:22:33:44:55',
        branchMac: '02:1a:2b:3c:4d:5e',
      });
      // The rebuilt teardown is the same plan as one built from the pod's identity.
      expect(planPodTeardown(attachment!.teardown)).toEqual(
        planPodTeardown({ ...dual, ifName: 'eth0' }),
      );
    }
  });

  it('is null for a result podsg did not make (a delegated pod)', () => {
    const ptp = {
      cniVersion: '1.0.0',
      interfaces: [
        { name: 'veth1234', mac: 'aa:bb:cc:dd:ee:ff' },
        { name: 'eth0', sandbox: '/ns' },
      ],
      ips: [{ address: '10.22.0.5/16', gateway: '10.22.0.1', interface: 1 }],
    };
    expect(teardownInputFromPrevResult(ptp, 'strict', 'eth0')).toBeNull();
    expect(teardownInputFromPrevResult({ cniVersion: '1.0.0' }, 'strict', 'eth0')).toBeNull();
  });

  it('refuses a podsg result without a pod address, or with interfaces that are not a list', () => {
    expect(() =>
      teardownInputFromPrevResult(
        { interfaces: [{ name: 'vlan.eth.3' }], ips: [] },
        'strict',
        'eth0',
      ),
    ).toThrow(/prevResult.ips/);
    expect(() => teardownInputFromPrevResult({ interfaces: {} }, 'strict', 'eth0')).toThrow(
      /prevResult.interfaces/,
    );
  });
});
