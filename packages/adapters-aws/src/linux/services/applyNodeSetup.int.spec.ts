import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { planNodeSetup } from '@podsg/cni';
import { Iproute2PodNetworkApplier } from './Iproute2PodNetworkApplier.js';
import { NftNodeFirewall } from './NftNodeFirewall.js';
import { applyNodeSetup } from './applyNodeSetup.js';

const missing = ['ip', 'nsenter', 'nft'].filter(
  (program) => spawnSync(program, ['--version'], { stdio: 'ignore' }).error !== undefined,
);
const why =
  process.getuid?.() !== 0
    ? 'not root: network namespaces need CAP_SYS_ADMIN'
    : missing.length > 0
      ? `missing programs: ${missing.join(', ')}`
      : '';
if (why) console.warn(`skipped: ${why}`);

interface JsonRule {
  priority: number;
  table: string;
  fwmark?: string;
  fwmask?: string;
}

describe.skipIf(!!why)('applyNodeSetup in a throwaway namespace standing in for the node', () => {
  let netns = '';

  beforeEach(() => {
    netns = `podsg-t-${randomBytes(4).toString('hex')}n`;
    execFileSync('ip', ['netns', 'add', netns]);
  });

  afterEach(() => {
    spawnSync('ip', ['netns', 'del', netns], { stdio: 'ignore' });
  });

  const targets = () => ({
    applier: new Iproute2PodNetworkApplier({ hostNetns: `/var/run/netns/${netns}` }),
    firewall: new NftNodeFirewall({ netns: `/var/run/netns/${netns}` }),
  });
  const rules = (): JsonRule[] =>
    JSON.parse(
      execFileSync('ip', ['-n', netns, '-j', 'rule', 'show'], { encoding: 'utf8' }),
    ) as JsonRule[];
  const nftTables = (): string[] => {
    const out = execFileSync('ip', ['netns', 'exec', netns, 'nft', '-j', 'list', 'tables'], {
      encoding: 'utf8',
    });
    return (
      JSON.parse(out) as { nftables: { table?: { family: string; name: string } }[] }
    ).nftables.flatMap((item) =>
      item.table === undefined ? [] : [`${item.table.family} ${item.table.name}`],
    );
  };

  it('strict mode: moves the lookup local rule from priority 0 to 20, twice without harm', async () => {
    const plan = planNodeSetup({ mode: 'strict' });
    await applyNodeSetup(plan, targets());
    await applyNodeSetup(plan, targets());
    const local = rules().filter((rule) => rule.table === 'local');
    expect(local.map((rule) => rule.priority)).toEqual([20]);
    expect(nftTables()).toEqual([]);
  });

  it('standard mode: adds the fwmark rule and the connmark table, once however often applied', async () => {
    const plan = planNodeSetup({ mode: 'standard' });
    await applyNodeSetup(plan, targets());
    await applyNodeSetup(plan, targets());
    const marked = rules().filter((rule) => rule.fwmark !== undefined);
    expect(marked).toEqual([
      expect.objectContaining({ priority: 1024, table: 'main', fwmark: '0x80', fwmask: '0x80' }),
    ]);
    expect(nftTables()).toEqual([`${plan.firewall!.family} ${plan.firewall!.name}`]);
  });
});
