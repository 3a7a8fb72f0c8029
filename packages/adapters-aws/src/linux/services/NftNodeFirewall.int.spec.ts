import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CniError } from '@podsg/cni';
import type { NftTable } from '@podsg/cni';
import { NftNodeFirewall } from './NftNodeFirewall.js';

const why =
  process.getuid?.() !== 0
    ? 'not root: network namespaces need CAP_SYS_ADMIN'
    : spawnSync('nft', ['--version'], { stdio: 'ignore' }).status !== 0
      ? 'nftables (nft) is not installed'
      : spawnSync('nsenter', ['--version'], { stdio: 'ignore' }).status !== 0
        ? 'util-linux nsenter is not installed'
        : '';
if (why) console.warn(`skipped: ${why}`);

/** Standard mode's connmark table, in the shape `planNodeSetup` produces. */
const connmark: NftTable = {
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
          statement: 'iifname "eth0" fib daddr type local ct mark set ct mark | 0x80',
          comment: 'podsg: mark NodePort connections arriving on eth0',
        },
        {
          statement: 'iifname { "vlan*", "eni*" } meta mark set ct mark & 0x80',
          comment: 'podsg: route replies of marked connections through the host',
        },
      ],
    },
  ],
};

interface NftJson {
  nftables: Record<string, { family?: string; name?: string; table?: string; comment?: string }>[];
}

describe.skipIf(!!why)('NftNodeFirewall in a throwaway network namespace', () => {
  let netns = '';

  beforeEach(() => {
    netns = `podsg-t-${randomBytes(4).toString('hex')}f`;
    execFileSync('ip', ['netns', 'add', netns]);
  });

  afterEach(() => {
    spawnSync('ip', ['netns', 'del', netns], { stdio: 'ignore' });
  });

  const firewall = (): NftNodeFirewall => new NftNodeFirewall({ netns: `/var/run/netns/${netns}` });

  function ruleset(): NftJson['nftables'] {
    const out = execFileSync('ip', ['netns', 'exec', netns, 'nft', '-j', 'list', 'ruleset'], {
      encoding: 'utf8',
    });
    return (JSON.parse(out) as NftJson).nftables;
  }
  const tables = (): string[] =>
    ruleset().flatMap((item) =>
      item.table?.name === undefined ? [] : [`${item.table.family ?? ''} ${item.table.name}`],
    );
  const ruleComments = (): string[] =>
    ruleset().flatMap((item) => (item.rule?.comment === undefined ? [] : [item.rule.comment]));

  it('installs the table, and applying it again replaces it instead of duplicating it', async () => {
    await firewall().apply(connmark);
    await firewall().apply(connmark);
    expect(tables()).toEqual(['inet podsg']);
    expect(ruleComments()).toEqual(connmark.chains[0]!.rules.map((rule) => rule.comment));

    const fewer: NftTable = {
      ...connmark,
      chains: [{ ...connmark.chains[0]!, rules: connmark.chains[0]!.rules.slice(0, 1) }],
    };
    await firewall().apply(fewer);
    expect(ruleComments()).toEqual([connmark.chains[0]!.rules[0]!.comment]);
  });

  it('keeps the old table when nft refuses the new one (one transaction)', async () => {
    await firewall().apply(connmark);
    const broken: NftTable = {
      ...connmark,
      chains: [
        {
          ...connmark.chains[0]!,
          rules: [{ statement: 'iifname "eth0" frobnicate', comment: 'not nft' }],
        },
      ],
    };
    const error = await firewall()
      .apply(broken)
      .catch((e: unknown) => e);
    expect(CniError.is(error, 'ApplyFailed')).toBe(true);
    expect((error as CniError).message).toContain('table inet podsg');
    expect(ruleComments()).toEqual(connmark.chains[0]!.rules.map((rule) => rule.comment));
  });

  it('refuses a statement that would smuggle a second command, before running nft', async () => {
    const smuggled: NftTable = {
      ...connmark,
      chains: [
        {
          ...connmark.chains[0]!,
          rules: [{ statement: 'accept; flush ruleset', comment: 'x' }],
        },
      ],
    };
    const error = await firewall()
      .apply(smuggled)
      .catch((e: unknown) => e);
    expect(CniError.is(error, 'ApplyFailed')).toBe(true);
    expect((error as CniError).message).toContain('chains[0].rules[0].statement');
    expect(tables()).toEqual([]);
  });

  it('removes the table, and removing it again succeeds', async () => {
    await firewall().apply(connmark);
    await firewall().remove('inet', 'podsg');
    await firewall().remove('inet', 'podsg');
    expect(tables()).toEqual([]);
  });
});
