import { describe, expect, it } from 'vitest';
import type { NetworkSnapshot } from '../models/NetworkSnapshot.js';
import {
  attachmentOfAlias,
  findAttachmentOfHostVeth,
  planGarbageCollection,
} from './planGarbageCollection.js';

// Pure cases. GC and findAttachmentOfHostVeth on nodes wired by real plans are tested against
// FakeKernel in @podsg/adapters-fake (src/cni-tests/planGarbageCollection.spec.ts).

describe('planGarbageCollection', () => {
  it('reads aliases strictly', () => {
    expect(attachmentOfAlias('podsg:abc:eth0')).toEqual({ containerID: 'abc', ifname: 'eth0' });
    for (const alias of [undefined, 'other:abc:eth0', 'podsg:abc', 'podsg::eth0', 'podsg:abc:']) {
      expect(attachmentOfAlias(alias)).toBeNull();
    }
  });

  it("leaves the kernel's own rules alone, though table 253 reads as 100 + 153", () => {
    // As `ip -N -j rule` reports a fresh host: tables 253 (default), 254 (main), 255 (local).
    const host: NetworkSnapshot = {
      links: [{ name: 'eth0', mac: '02:00:00:00:00:01', mtu: 9001, up: true }],
      addresses: [],
      routes: [],
      rules: [
        { priority: 0, table: 'local', family: 4 },
        { priority: 32766, table: 'main', family: 4 },
        { priority: 32767, table: 253, family: 4 },
      ],
      neighbours: [],
    };
    expect(planGarbageCollection(host, [])).toEqual({ plan: { steps: [] }, removed: [] });
    host.rules.push({ priority: 10, table: 253, iif: 'vlan0123456789a', family: 4 });
    expect(findAttachmentOfHostVeth(host, 'vlan0123456789a')).toBeNull();
  });
});
