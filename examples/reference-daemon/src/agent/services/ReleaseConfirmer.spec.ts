import { mkdir, mkdtemp, rm, rmdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NodeHostFacts } from '../../cni/NodeHostFacts.js';
import { RELEASED_BRANCHES_ANNOTATION, type ReleasedBranch } from '@podsg/allocator';
import { ReleaseConfirmer } from './ReleaseConfirmer.js';

const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };
let sys: string;
let writes: Record<string, string | null>[];
let failing: boolean;
let now: number;

const confirmer = (): ReleaseConfirmer =>
  new ReleaseConfirmer({
    nodeName: 'node-a',
    links: new NodeHostFacts({ sysClassNet: sys }),
    api: {
      annotateNode: (node, annotations) => {
        if (failing) return Promise.reject(new Error('API server unreachable'));
        expect(node).toBe('node-a');
        writes.push({ ...annotations });
        return Promise.resolve();
      },
    },
    log: silent,
    now: () => now,
    forgetAfterMs: 1000,
  });
const published = (): ReleasedBranch[] =>
  JSON.parse(writes.at(-1)?.[RELEASED_BRANCHES_ANNOTATION] ?? '[]') as ReleasedBranch[];
const pod = (uid: string, vlanId: number) => ({
  namespace: 'default',
  name: `p-${uid}`,
  uid,
  eniId: `eni-${uid}`,
  vlanId,
});

beforeEach(async () => {
  sys = await mkdtemp(join(tmpdir(), 'podsg-sys-'));
  writes = [];
  failing = false;
  now = 0;
});
afterEach(async () => {
  await rm(sys, { recursive: true, force: true });
});

describe('ReleaseConfirmer', () => {
  it('confirms a wired branch once its VLAN device is gone, not before', async () => {
    const releases = confirmer();
    await mkdir(join(sys, 'vlan.eth.3'));
    releases.wired('u1', 3);
    releases.depart(pod('u1', 3));
    await releases.scan();
    expect(writes).toEqual([]);
    await rmdir(join(sys, 'vlan.eth.3')); // podsg-cni DEL removed it
    await releases.scan();
    expect(published()).toEqual([
      expect.objectContaining({ eniId: 'eni-u1', vlanId: 3, podUid: 'u1' }),
    ]);
    await releases.scan();
    expect(writes).toHaveLength(1);
  });

  it('confirms nothing for a pod never seen wired (absence may mean "not wired yet"), and forgets it', async () => {
    const releases = confirmer();
    releases.depart(pod('u2', 4));
    await releases.scan();
    now = 2000;
    await releases.scan();
    await mkdir(join(sys, 'vlan.eth.4'));
    await rmdir(join(sys, 'vlan.eth.4'));
    await releases.scan();
    expect(writes).toEqual([]);
  });

  it('counts a device seen present as wired (an agent restarted after the ADD)', async () => {
    const releases = confirmer();
    await mkdir(join(sys, 'vlan.eth.5'));
    releases.depart(pod('u3', 5));
    await releases.scan();
    await rmdir(join(sys, 'vlan.eth.5'));
    await releases.scan();
    expect(published().map((entry) => entry.podUid)).toEqual(['u3']);
  });

  it('retries a failed publication at the next scan, and bounds the list', async () => {
    const releases = new ReleaseConfirmer({
      nodeName: 'node-a',
      links: new NodeHostFacts({ sysClassNet: sys }),
      api: {
        annotateNode: (_node, annotations) => {
          if (failing) return Promise.reject(new Error('unreachable'));
          writes.push({ ...annotations });
          return Promise.resolve();
        },
      },
      log: silent,
      maxEntries: 2,
    });
    failing = true;
    for (const [uid, vlan] of [
      ['a', 1],
      ['b', 2],
      ['c', 3],
    ] as const) {
      releases.wired(uid, vlan);
      releases.depart(pod(uid, vlan));
    }
    await releases.scan();
    expect(writes).toEqual([]);
    failing = false;
    await releases.scan();
    expect(published().map((entry) => entry.podUid)).toEqual(['b', 'c']);
  });
});
