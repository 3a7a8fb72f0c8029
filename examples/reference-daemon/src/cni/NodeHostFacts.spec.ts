import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NodeHostFacts } from './NodeHostFacts.js';

let sysClassNet: string;

beforeAll(async () => {
  sysClassNet = await mkdtemp(join(tmpdir(), 'podsg-sysfs-'));
  for (const [name, mac] of [
    ['lo', '00:00:00:00:00:00'],
    ['eth0', '02:FC:00:00:00:01'],
    ['eth1', '0a:00:00:00:00:02'],
  ] as const) {
    await mkdir(join(sysClassNet, name));
    await writeFile(join(sysClassNet, name, 'address'), `${mac}\n`);
  }
  // sysfs also lists entries without an address (e.g. bonding_masters).
  await writeFile(join(sysClassNet, 'bonding_masters'), '\n');
});

afterAll(async () => {
  await rm(sysClassNet, { recursive: true, force: true });
});

describe('NodeHostFacts', () => {
  it('lists the MAC of every link, lowercase', async () => {
    const macs = await new NodeHostFacts({ sysClassNet }).hostLinkMacs();
    expect(macs.sort()).toEqual(['00:00:00:00:00:00', '02:fc:00:00:00:01', '0a:00:00:00:00:02']);
  });

  it('finds no MACs when the links directory is missing', async () => {
    const facts = new NodeHostFacts({ sysClassNet: join(sysClassNet, 'absent') });
    expect(await facts.hostLinkMacs()).toEqual([]);
  });

  it('tells which links exist, and never looks outside the links directory', async () => {
    const facts = new NodeHostFacts({ sysClassNet });
    expect(await facts.hostLinkExists('eth1')).toBe(true);
    expect(await facts.hostLinkExists('eth9')).toBe(false);
    expect(await facts.hostLinkExists('..')).toBe(false);
    expect(await facts.hostLinkExists('eth1/../eth0')).toBe(false);
    expect(await facts.hostLinkExists('')).toBe(false);
  });

  it('reads the real kernel by default: loopback exists', async () => {
    const facts = new NodeHostFacts();
    expect(await facts.hostLinkExists('lo')).toBe(true);
    expect(await facts.hostLinkMacs()).toContain('00:00:00:00:00:00');
  });

  it('returns as many random bytes as asked, different each time', () => {
    const facts = new NodeHostFacts();
    const first = facts.randomBytes(6);
    expect(first).toBeInstanceOf(Uint8Array);
    expect(first).toHaveLength(6);
    expect(Buffer.from(facts.randomBytes(16)).equals(Buffer.from(facts.randomBytes(16)))).toBe(
      false,
    );
  });
});
