import { describe, expect, it } from 'vitest';
import { planNodeSetup } from './planNodeSetup.js';

describe('planNodeSetup', () => {
  it('strict mode moves lookup local from priority 0 to 20, adding before deleting', () => {
    expect(planNodeSetup({ mode: 'strict' })).toEqual({
      routePlan: {
        steps: [
          { op: 'rule.add', ns: 'host', priority: 20, table: 'local', family: 4 },
          { op: 'rule.del', ns: 'host', priority: 0, table: 'local', family: 4 },
        ],
      },
      firewall: null,
    });
    expect(planNodeSetup({ mode: 'strict', ipv6: true }).routePlan.steps).toHaveLength(4);
  });

  it('standard mode adds fwmark 0x80/0x80 lookup main at 1024 and the connmark table', () => {
    const setup = planNodeSetup({ mode: 'standard', primaryLink: 'ens5' });
    expect(setup.routePlan.steps).toEqual([
      { op: 'rule.add', ns: 'host', priority: 1024, table: 'main', fwmark: '0x80/0x80', family: 4 },
    ]);
    const rules = setup.firewall?.chains[0]?.rules.map((r) => r.statement) ?? [];
    expect(rules[0]).toBe('iifname "ens5" fib daddr . iif type local ct mark set ct mark | 0x80');
    expect(rules.slice(1)).toEqual([
      'iifname "eni*" ct mark & 0x80 == 0x80 meta mark set meta mark | 0x80',
      'iifname "vlan*" ct mark & 0x80 == 0x80 meta mark set meta mark | 0x80',
    ]);
    expect(setup.firewall?.chains[0]).toMatchObject({
      hook: 'prerouting',
      priority: -150,
      policy: 'accept',
    });
  });

  it('refuses a primary link or prefix that could not be a name', () => {
    expect(() => planNodeSetup({ mode: 'standard', primaryLink: 'eth0" accept' })).toThrow(
      /primaryLink/,
    );
    expect(() => planNodeSetup({ mode: 'standard', vethPrefix: 'x*' })).toThrow(/vethPrefix/);
  });
});
