import { describe, expect, it } from 'vitest';
import type { NetworkSnapshot } from '../models/NetworkSnapshot.js';
import { checkPrevResultClaims } from './checkPrevResultClaims.js';
import type { PrevResultAttachment } from './teardownInputFromPrevResult.js';

const claims: PrevResultAttachment = {
  teardown: {
    mode: 'strict',
    ifName: 'eth0',
    hostVeth: 'vlan1a2b3c4d5e6',
    branch: { vlanId: 3, privateIp: '10.0.0.13', ipv6Addr: '2001:db8::d' },
  },
  hostVethMac: '0e:00:00:00:00:03',
  branchMac: '02:00:00:00:01:03',
};

function snapshot(part: Partial<NetworkSnapshot>): NetworkSnapshot {
  return { links: [], addresses: [], routes: [], rules: [], neighbours: [], ...part };
}

const host = snapshot({
  links: [
    { name: 'eth1', mac: '02:00:00:00:00:aa', mtu: 9001, up: true },
    { name: 'vlan.eth.3', mac: '02:00:00:00:01:03', mtu: 9001, up: true, parent: 'eth1' },
    { name: 'vlan1a2b3c4d5e6', mac: '0e:00:00:00:00:03', mtu: 9001, up: true },
  ],
});
const pod = snapshot({
  links: [{ name: 'eth0', mac: '0e:00:00:00:00:99', mtu: 9001, up: true }],
  addresses: [
    { dev: 'eth0', cidr: '10.0.0.13/32' },
    { dev: 'eth0', cidr: '2001:0db8::000d/128' },
  ],
});

describe('checkPrevResultClaims', () => {
  it('finds nothing when every claim holds (addresses compare in canonical form)', () => {
    expect(checkPrevResultClaims(claims, 'vlan1a2b3c4d5e6', host, pod)).toEqual([]);
  });

  it('names each MAC, link and address that is not as the result says', () => {
    const otherHost = snapshot({
      links: [
        { name: 'vlan.eth.3', mac: '02:00:00:00:01:04', mtu: 9001, up: true, parent: 'eth1' },
      ],
    });
    const otherPod = snapshot({
      links: [{ name: 'eth0', mac: '0e:00:00:00:00:99', mtu: 9001, up: true }],
      addresses: [{ dev: 'eth0', cidr: '10.0.0.13/32' }],
    });
    expect(checkPrevResultClaims(claims, 'vlan1a2b3c4d5e6', otherHost, otherPod)).toEqual([
      'host link vlan.eth.3 has MAC 02:00:00:00:01:04, expected 02:00:00:00:01:03',
      'host link vlan1a2b3c4d5e6 is missing',
      'pod address 2001:db8::d on eth0 is missing',
    ]);
  });

  it('names a host veth the pod identity does not give, and a pod namespace that is gone', () => {
    expect(checkPrevResultClaims(claims, 'vlan9f8e7d6c5b4', host, null)).toEqual([
      'host veth in prevResult is vlan1a2b3c4d5e6, expected vlan9f8e7d6c5b4',
      'pod namespace is gone, so pod link eth0 is missing',
    ]);
  });

  it('checks no MAC the result does not list', () => {
    const { branchMac: _branchMac, ...withoutBranchMac } = claims;
    const otherMac = snapshot({
      links: host.links.map((link) =>
        link.name === 'vlan.eth.3' ? { ...link, mac: '02:00:00:00:0f:0f' } : link,
      ),
    });
    expect(checkPrevResultClaims(withoutBranchMac, 'vlan1a2b3c4d5e6', otherMac, pod)).toEqual([]);
  });
});
