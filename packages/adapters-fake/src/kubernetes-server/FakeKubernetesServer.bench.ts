import { it } from 'vitest';
import { FakeCluster } from '../services/FakeCluster.js';
import { FakeKubernetesServer } from './FakeKubernetesServer.js';

const wallClock = {
  now: () => Date.now(),
  sleep: (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)),
};

/**
 * What a controller restart costs the emulator: listing 100,000 pods over HTTP, whole and in
 * pages of 500 (fetch's JSON parse included), next to the in-memory `list()` of the same
 * cluster. Goal: a whole list within 5 s, half of a 10 s restart budget, leaving the
 * other half to the adapter.
 */
it('FakeKubernetesServer: list 100,000 pods', async () => {
  const count = 100_000;
  const cluster = new FakeCluster({ clock: wallClock, admission: false, scheduler: false });
  for (let i = 0; i < count; i++) {
    await cluster.createPod({
      metadata: {
        name: `pod-${i}`,
        namespace: 'default',
        labels: { app: i % 2 === 0 ? 'web' : 'db' },
      },
      spec: { nodeName: `node-${i % 400}`, containers: [{ name: 'app', image: 'nginx' }] },
    });
  }
  const server = await FakeKubernetesServer.start({ cluster, tls: false });
  const token = server.addUser('controller');
  const get = async (
    path: string,
  ): Promise<{ items: unknown[]; metadata: { continue?: string } }> => {
    const response = await fetch(`${server.url}${path}`, {
      headers: { Authorization: `Bearer ${token}` },
    });
    return (await response.json()) as { items: unknown[]; metadata: { continue?: string } };
  };
  try {
    let started = performance.now();
    await cluster.list();
    const inMemoryMs = performance.now() - started;
    started = performance.now();
    const whole = await get('/api/v1/pods');
    const wholeMs = performance.now() - started;
    started = performance.now();
    let paged = 0;
    let pageToken = '';
    do {
      const page = await get(
        `/api/v1/pods?limit=500${pageToken === '' ? '' : `&continue=${pageToken}`}`,
      );
      paged += page.items.length;
      pageToken = page.metadata.continue ?? '';
    } while (pageToken !== '');
    const pagedMs = performance.now() - started;
    started = performance.now();
    const selected = await get('/api/v1/pods?fieldSelector=spec.nodeName%3Dnode-7');
    const selectedMs = performance.now() - started;
    const verdict = (ms: number): string => (ms <= 5000 ? 'met' : 'NOT met');
    console.log(
      `FakeKubernetesServer: whole list of ${whole.items.length} pods ${(wholeMs / 1000).toFixed(2)} s ` +
        `(goal ≤ 5 s: ${verdict(wholeMs)}); ${paged} pods in pages of 500 ${(pagedMs / 1000).toFixed(2)} s ` +
        `(goal ≤ 5 s: ${verdict(pagedMs)}); in-memory list() ${inMemoryMs.toFixed(0)} ms, ` +
        `HTTP/in-memory ${(wholeMs / inMemoryMs).toFixed(1)}×; one node's ${selected.items.length} pods by field selector ${selectedMs.toFixed(0)} ms`,
    );
  } finally {
    await server.close();
  }
});
