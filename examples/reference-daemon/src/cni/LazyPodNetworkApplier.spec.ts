import { describe, expect, it } from 'vitest';
import type { NetworkSnapshot, PodNetworkApplier, RoutePlan } from '@podsg/cni';
import { LazyPodNetworkApplier } from './LazyPodNetworkApplier.js';

const emptySnapshot: NetworkSnapshot = {
  links: [],
  addresses: [],
  routes: [],
  rules: [],
  neighbours: [],
};

describe('LazyPodNetworkApplier', () => {
  it('loads the real applier once, on first use, and passes calls through', async () => {
    const applied: RoutePlan[] = [];
    let loads = 0;
    const real: PodNetworkApplier = {
      apply: (plan) => {
        applied.push(plan);
        return Promise.resolve();
      },
      snapshot: () => Promise.resolve(emptySnapshot),
    };
    const lazy = new LazyPodNetworkApplier(() => {
      loads += 1;
      return Promise.resolve(real);
    });
    expect(loads).toBe(0);
    const plan: RoutePlan = { steps: [{ op: 'link.del', ns: 'host', name: 'vlan.eth.5' }] };
    await Promise.all([lazy.apply(plan, null), lazy.snapshot({ netns: '/var/run/netns/x' })]);
    expect(await lazy.snapshot(null)).toBe(emptySnapshot);
    expect(loads).toBe(1);
    expect(applied).toEqual([plan]);
  });

  it('rejects calls with the loading failure', async () => {
    const lazy = new LazyPodNetworkApplier(() => Promise.reject(new Error('no such module')));
    await expect(lazy.apply({ steps: [] }, null)).rejects.toThrow('no such module');
  });
});
