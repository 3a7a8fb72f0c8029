import { describe, expect, it } from 'vitest';
import type { PlanStep } from '@podsg/cni';
import { renderPlanStep } from './renderPlanStep.js';
import type { RenderedStep } from './renderPlanStep.js';

const NETNS = '/var/run/netns/cni-1234';

function lines(rendered: RenderedStep): string[] {
  return rendered.kind === 'ip'
    ? rendered.commands.map((command) => `${command.family}: ${command.words.join(' ')}`)
    : [];
}

describe('renderPlanStep', () => {
  it('creates the veth from the host side with the pod end placed into the pod namespace', () => {
    const step: PlanStep = {
      op: 'link.add.veth',
      ns: 'pod',
      name: 'eth0',
      peerName: 'vlan0123456789a',
      peerNs: 'host',
      mtu: 9001,
      peerMac: '02:11:22:33:44:55',
    };
    const rendered = renderPlanStep(step, 0, NETNS);
    expect(rendered.exec).toBe('host');
    expect(lines(rendered)).toEqual([
      `any: link add name vlan0123456789a address 02:11:22:33:44:55 mtu 9001 type veth peer name eth0 mtu 9001 netns ${NETNS}`,
    ]);
    expect(() => renderPlanStep(step, 0, null)).toThrow(/sandbox/);
  });

  it('renders the host side of a strict pod', () => {
    const steps: PlanStep[] = [
      {
        op: 'link.add.vlan',
        ns: 'host',
        name: 'vlan.eth.5',
        parent: 'eth1',
        vlanId: 5,
        mac: '02:AA:00:00:00:05',
      },
      {
        op: 'route.replace',
        ns: 'host',
        dst: '10.0.1.1/32',
        dev: 'vlan.eth.5',
        scope: 'link',
        table: 105,
      },
      {
        op: 'route.replace',
        ns: 'host',
        dst: 'default',
        via: '10.0.1.1',
        dev: 'vlan.eth.5',
        table: 105,
      },
      { op: 'neigh.replace', ns: 'pod', dev: 'eth0', ip: '169.254.1.1', mac: '02:11:22:33:44:55' },
    ];
    expect(steps.flatMap((step, index) => lines(renderPlanStep(step, index, NETNS)))).toEqual([
      'any: link add link eth1 name vlan.eth.5 address 02:aa:00:00:00:05 type vlan id 5',
      'any: route replace 10.0.1.1/32 dev vlan.eth.5 table 105 scope link',
      'any: route replace default via 10.0.1.1 dev vlan.eth.5 table 105',
      'any: neigh replace 169.254.1.1 dev eth0 lladdr 02:11:22:33:44:55 nud permanent',
    ]);
  });

  it('runs IPv6 rules under ip -6: those naming an IPv6 address and those of family 6', () => {
    const rule = (extra: Partial<Extract<PlanStep, { priority: number }>>): string[] =>
      lines(
        renderPlanStep({ op: 'rule.add', ns: 'host', priority: 10, table: 105, ...extra }, 0, null),
      );
    expect(rule({ iif: 'vlan.eth.5' })).toEqual([
      'any: rule add priority 10 iif vlan.eth.5 lookup 105',
    ]);
    expect(rule({ iif: 'vlan.eth.5', family: 6 })).toEqual([
      'inet6: rule add priority 10 iif vlan.eth.5 lookup 105',
    ]);
    expect(rule({ to: '2600::17/128' })).toEqual([
      'inet6: rule add priority 10 to 2600::17/128 lookup 105',
    ]);
    expect(() => rule({ to: '10.0.0.1/32', family: 6 })).toThrow(/family 6 does not match/);
    const del = renderPlanStep(
      { op: 'rule.del', ns: 'host', priority: 512, to: '2600::17/128', table: 'main' },
      0,
      null,
    );
    expect(del.deletion).toBe(true);
  });

  it('sets a VLAN device alias right after creating it (the kernel ignores one given at creation)', () => {
    const step: PlanStep = {
      op: 'link.add.vlan',
      ns: 'host',
      name: 'vlan.eth.5',
      parent: 'eth1',
      vlanId: 5,
      mac: '02:aa:00:00:00:05',
      alias: 'podsg:0a1b2c:eth0',
    };
    expect(lines(renderPlanStep(step, 0, null))).toEqual([
      'any: link add link eth1 name vlan.eth.5 address 02:aa:00:00:00:05 type vlan id 5',
      'any: link set dev vlan.eth.5 alias podsg:0a1b2c:eth0',
    ]);
    expect(() => renderPlanStep({ ...step, alias: 'podsg x' }, 0, null)).toThrow(/alias/);
  });

  it('reads a delete of something gone, and an add of something present, as done', () => {
    const del = renderPlanStep({ op: 'link.del', ns: 'host', name: 'vlan.eth.5' }, 0, null);
    const add = renderPlanStep(
      { op: 'addr.add', ns: 'pod', dev: 'eth0', cidr: '2600::17/128' },
      0,
      NETNS,
    );
    const replace = renderPlanStep(
      { op: 'route.replace', ns: 'pod', dst: 'default', via: '169.254.1.1' },
      0,
      NETNS,
    );
    const first = (rendered: RenderedStep) =>
      rendered.kind === 'ip' ? rendered.commands[0] : undefined;
    expect(first(del)?.alreadyDone?.test('Cannot find device "vlan.eth.5"')).toBe(true);
    expect(first(add)?.alreadyDone?.test('Error: ipv6: address already assigned.')).toBe(true);
    expect(first(add)?.words).toContain('nodad');
    expect(first(replace)?.alreadyDone).toBeNull();
  });

  it('renders nothing for a link.set without changes, and refuses mixed families', () => {
    expect(lines(renderPlanStep({ op: 'link.set', ns: 'host', name: 'eth1' }, 0, null))).toEqual(
      [],
    );
    expect(() =>
      renderPlanStep(
        { op: 'route.replace', ns: 'host', dst: '10.0.0.0/24', via: 'fe80::1' },
        0,
        null,
      ),
    ).toThrow(/via/);
    expect(() =>
      renderPlanStep(
        { op: 'rule.add', ns: 'host', priority: 1, from: '10.0.0.1', to: '::1', table: 1 },
        0,
        null,
      ),
    ).toThrow(/families/);
  });

  it('refuses steps that JSON could carry but the types forbid', () => {
    const unknownOp = { op: 'link.add.bridge', ns: 'host', name: 'br0' } as unknown as PlanStep;
    expect(() => renderPlanStep(unknownOp, 0, null)).toThrow(/op "link.add.bridge"/);
    const badNs = { op: 'link.del', ns: 'elsewhere', name: 'eth0' } as unknown as PlanStep;
    expect(() => renderPlanStep(badNs, 0, null)).toThrow(/ns "elsewhere"/);
    const badScope = {
      op: 'route.del',
      ns: 'host',
      dst: 'default',
      scope: 'host',
    } as unknown as PlanStep;
    expect(() => renderPlanStep(badScope, 0, null)).toThrow(/scope/);
  });

  it('writes sysctls through their /proc/sys path', () => {
    const rendered = renderPlanStep(
      { op: 'sysctl.set', ns: 'pod', key: 'net.ipv6.conf.eth0.accept_dad', value: '0' },
      0,
      NETNS,
    );
    expect(rendered).toMatchObject({
      kind: 'sysctl',
      exec: 'pod',
      path: '/proc/sys/net/ipv6/conf/eth0/accept_dad',
      value: '0',
    });
  });
});
