import { describe, expect, it } from 'vitest';
import { planNodeSetup, type NftTable } from '@podsg/cni';
import { renderNftTable, renderNftTableRemoval } from './renderNftTable.js';

const table: NftTable = {
  family: 'inet',
  name: 'podsg',
  chains: [
    {
      name: 'prerouting',
      type: 'filter',
      hook: 'prerouting',
      priority: -150,
      policy: 'accept',
      rules: [
        {
          statement: 'iifname { "vlan*", "eni*" } meta mark set ct mark & 0x80',
          comment: 'restore',
        },
      ],
    },
  ],
};

function withStatement(statement: string, comment = 'c'): NftTable {
  return { ...table, chains: [{ ...table.chains[0]!, rules: [{ statement, comment }] }] };
}

describe('renderNftTable', () => {
  it('replaces the table in one transaction that also works when it does not exist yet', () => {
    const script = renderNftTable(table);
    expect(script.split('\n').slice(0, 3)).toEqual([
      'add table inet podsg',
      'delete table inet podsg',
      'table inet podsg {',
    ]);
    expect(script).toContain('type filter hook prerouting priority -150; policy accept;');
    expect(script).toContain('meta mark set ct mark & 0x80 comment "restore"');
  });

  it.each([
    ['a second command', 'accept; flush ruleset'],
    ['a new line', 'accept\nflush ruleset'],
    ['a comment that hides the rest', 'accept # }'],
    ['an unbalanced brace', 'iifname { "a" accept } }'],
    ['an open quote', 'iifname "eth0 accept'],
  ])('refuses a statement with %s, naming the field', (_what, statement) => {
    expect(() => renderNftTable(withStatement(statement))).toThrow(
      /chains\[0\]\.rules\[0\]\.statement/,
    );
  });

  it('refuses unsafe comments, names and keywords', () => {
    expect(() => renderNftTable(withStatement('accept', 'a" ; flush ruleset ; "'))).toThrow(
      /comment/,
    );
    expect(() => renderNftTable({ ...table, name: 'podsg x' })).toThrow(/name/);
    expect(() => renderNftTable({ ...table, family: 'bridge' as 'inet' })).toThrow(/family/);
  });

  it('removes a table whether or not it exists', () => {
    expect(renderNftTableRemoval('inet', 'podsg')).toBe(
      'add table inet podsg\ndelete table inet podsg\n',
    );
  });

  it('renders the standard-mode node firewall of planNodeSetup as one atomic script', () => {
    const setup = planNodeSetup({ mode: 'standard', primaryLink: 'ens5' });
    if (setup.firewall === null) throw new Error('standard mode plans a firewall');
    const script = renderNftTable(setup.firewall);
    expect(script.split('\n').slice(0, 3)).toEqual([
      'add table inet podsg',
      'delete table inet podsg',
      'table inet podsg {',
    ]);
    expect(script).toContain('type filter hook prerouting priority -150; policy accept;');
    expect(script).toContain(
      'iifname "ens5" fib daddr . iif type local ct mark set ct mark | 0x80 comment',
    );
  });
});
