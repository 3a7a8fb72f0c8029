import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { planPodTeardown } from './planPodTeardown.js';

const hash = createHash('sha1').update('default.web-1').digest('hex').slice(0, 11);
const pod = { podNamespace: 'default', podName: 'web-1', ifName: 'eth0', vethPrefix: 'eni' };

describe('planPodTeardown', () => {
  it('removes every rule of table 100+N and of P, then the veth and the VLAN device', () => {
    const H = `vlan${hash}`;
    expect(
      planPodTeardown({ ...pod, mode: 'strict', branch: { vlanId: 3, privateIp: '10.0.4.17' } })
        .steps,
    ).toEqual([
      { op: 'rule.del', ns: 'host', priority: 10, iif: 'vlan.eth.3', table: 103, family: 4 },
      { op: 'rule.del', ns: 'host', priority: 10, iif: H, table: 103, family: 4 },
      { op: 'rule.del', ns: 'host', priority: 512, to: '10.0.4.17/32', table: 'main' },
      { op: 'rule.del', ns: 'host', priority: 1536, from: '10.0.4.17/32', table: 103 },
      { op: 'link.del', ns: 'pod', name: 'eth0' },
      { op: 'link.del', ns: 'host', name: H },
      { op: 'link.del', ns: 'host', name: 'vlan.eth.3' },
    ]);
  });

  it('names the standard-mode veth with vethPrefix, or uses the host veth it is given', () => {
    const standard = planPodTeardown({
      ...pod,
      mode: 'standard',
      branch: { vlanId: 3, privateIp: '10.0.4.17' },
    });
    expect(standard.steps).toContainEqual({ op: 'link.del', ns: 'host', name: `eni${hash}` });
    const given = planPodTeardown({
      mode: 'standard',
      ifName: 'eth0',
      hostVeth: 'eniabc',
      branch: { vlanId: 3 },
    });
    expect(given.steps).toContainEqual({ op: 'link.del', ns: 'host', name: 'eniabc' });
    // Without a pod address only the interface rules can be named.
    expect(given.steps.filter((s) => s.op === 'rule.del')).toHaveLength(2);
  });

  it('covers IPv6 rules when the pod had an IPv6 address', () => {
    const steps = planPodTeardown({
      ...pod,
      mode: 'strict',
      branch: { vlanId: 3, privateIp: '10.0.4.17', ipv6Addr: '2600:1f14::17' },
    }).steps;
    expect(steps).toContainEqual({
      op: 'rule.del',
      ns: 'host',
      priority: 10,
      iif: 'vlan.eth.3',
      table: 103,
      family: 6,
    });
    expect(steps).toContainEqual({
      op: 'rule.del',
      ns: 'host',
      priority: 1536,
      from: '2600:1f14::17/128',
      table: 103,
    });
  });

  it('refuses a teardown that cannot name the host veth or the VLAN', () => {
    expect(() =>
      planPodTeardown({ mode: 'strict', ifName: 'eth0', branch: { vlanId: 3 } }),
    ).toThrow(/podNamespace/);
    expect(() => planPodTeardown({ ...pod, mode: 'strict', branch: { vlanId: 5000 } })).toThrow(
      /branch.vlanId/,
    );
  });
});
