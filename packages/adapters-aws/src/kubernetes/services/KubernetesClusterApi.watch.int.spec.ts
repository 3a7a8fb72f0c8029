import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { AllocatorError } from '@podsg/allocator';
import type { ClusterChange } from '@podsg/allocator';
import { FakeCluster } from '@podsg/adapters-fake';
import type { KubernetesFaultRule } from '@podsg/adapters-fake';
import { describe, expect, it } from 'vitest';
import { SystemClock } from '../../clock/SystemClock.js';
import { startEmulatedApiServer, CONTROLLER_USERNAME } from './emulatedApiServer.spec.helpers.js';
import { KubernetesClusterApi } from './KubernetesClusterApi.js';
import { loadKubeConfig } from './loadKubeConfig.js';

/**
 * Watch robustness against FakeKubernetesServer with injected faults: the adapter's view of the
 * pods must end equal to the cluster's, each pod's versions must arrive in order, and no
 * version may arrive twice.
 */
const GEN = 'podsg.io/gen';
const NAMESPACES = ['default', 'kube-system', 'shop'];

interface View {
  pods: Map<string, { uid: string; gen: number }>;
  /** Out-of-order deliveries: a pod's generation went down. */
  regressions: string[];
  /** The same (uid, resourceVersion, type) delivered twice. */
  duplicates: string[];
  errors: AllocatorError[];
}

function follow(api: KubernetesClusterApi): { view: View; stop: () => void } {
  const view: View = { pods: new Map(), regressions: [], duplicates: [], errors: [] };
  const seen = new Set<string>();
  const lastGen = new Map<string, number>();
  const stop = api.watch((change: ClusterChange) => {
    if (change.kind !== 'Pod') return;
    const { pod } = change;
    const id = `${pod.uid}@${pod.resourceVersion} ${change.type}`;
    if (seen.has(id)) view.duplicates.push(id);
    seen.add(id);
    const key = `${pod.namespace}/${pod.name}`;
    const gen = Number(pod.annotations[GEN] ?? '0');
    if (gen < (lastGen.get(pod.uid) ?? 0))
      view.regressions.push(`${key} ${lastGen.get(pod.uid)} → ${gen}`);
    lastGen.set(pod.uid, gen);
    if (change.type === 'delete') view.pods.delete(key);
    else view.pods.set(key, { uid: pod.uid, gen });
  });
  return { view, stop };
}

function clusterState(cluster: FakeCluster): Map<string, { uid: string; gen: number }> {
  return new Map(
    cluster
      .pods()
      .map((p) => [
        `${p.namespace}/${p.name}`,
        { uid: p.uid, gen: Number(p.annotations[GEN] ?? '0') },
      ]),
  );
}

const sameState = (a: Map<string, unknown>, b: Map<string, unknown>): boolean =>
  a.size === b.size &&
  [...a].every(([key, value]) => JSON.stringify(b.get(key)) === JSON.stringify(value));

async function settle(view: View, cluster: FakeCluster, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!sameState(view.pods, clusterState(cluster))) {
    if (Date.now() > deadline) {
      throw new Error(
        `the view did not converge: ${view.pods.size} pods seen, ${cluster.pods().length} live`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Creates, annotates (rising generations), recreates under the same name and deletes pods. */
/** Generations only rise, across every churn of a test file. */
let serial = 0;

async function churn(cluster: FakeCluster, rounds: number): Promise<void> {
  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < 8; i++) {
      const name = `p-${(round * 8 + i) % 40}`;
      if (cluster.podAnnotations('shop', name) !== null) {
        await cluster.deletePod('shop', name, { gracePeriodSeconds: 0 });
      }
      await cluster.createPod({
        metadata: { name, namespace: 'shop', labels: { app: 'churn' } },
        spec: { nodeName: 'node-a', containers: [{ name: 'app', image: 'nginx' }] },
      });
    }
    for (const pod of cluster.pods().slice(0, 12)) {
      serial++;
      await cluster.setPodAnnotations(pod.namespace, pod.name, { [GEN]: String(serial) });
    }
    await sleep(15);
  }
}

async function run(
  faults: readonly KubernetesFaultRule[],
  options: {
    watchHistory?: number;
    proxy?: (upstream: string) => Promise<{ url: string; close: () => Promise<void> }>;
    /** Faults for a middle stretch of the churn (default: `faults` throughout). */
    outage?: readonly KubernetesFaultRule[];
  },
): Promise<{ view: View; stats: ReturnType<KubernetesClusterApi['stats']> }> {
  const cluster = new FakeCluster({
    clock: new SystemClock(),
    admission: false,
    scheduler: false,
    podTerminationMs: 0,
  });
  cluster.addNode({ name: 'node-a', instanceType: 'c5.large' });
  const { server, kubeConfig, admin } = await startEmulatedApiServer(cluster, {
    namespaces: NAMESPACES,
    ...(options.watchHistory === undefined ? {} : { watchHistory: options.watchHistory }),
    // Open watches are not cut by faults set later: end each within a second, so an outage
    // reaches them all.
    ...(options.outage === undefined ? {} : { maxWatchSeconds: 1 }),
    ...(options.proxy === undefined ? {} : { tls: false }),
    seed: 11,
  });
  const proxy = options.proxy === undefined ? null : await options.proxy(server.url);
  const errors: AllocatorError[] = [];
  const api = new KubernetesClusterApi({
    kubeConfig:
      proxy === null
        ? kubeConfig
        : loadKubeConfig({ server: proxy.url, token: server.addUser(CONTROLLER_USERNAME) }),
    watchBackoff: { baseMs: 10, maxMs: 200 },
    onWatchError: (error) => errors.push(error),
  });
  try {
    await churn(cluster, 2);
    await api.list();
    const { view, stop } = follow(api);
    view.errors = errors;
    server.setFaults(faults);
    await churn(cluster, 12);
    if (options.outage !== undefined) {
      server.setFaults(options.outage);
      await sleep(1200); // every open watch has ended, every new one is refused
      await churn(cluster, 3);
      server.setFaults(faults);
    }
    await churn(cluster, 12);
    server.setFaults([]);
    await settle(view, cluster);
    const stats = api.stats();
    stop();
    return { view, stats };
  } finally {
    await api.close();
    admin.close();
    await proxy?.close();
    await server.close();
  }
}

/** A plain HTTP proxy that writes a line of garbage into the first `count` pod watch streams. */
function garbageProxy(count: number) {
  return async (upstream: string): Promise<{ url: string; close: () => Promise<void> }> => {
    const target = new URL(upstream);
    let injected = 0;
    const proxy = http.createServer((request, response) => {
      const forward = http.request(
        {
          host: target.hostname,
          port: target.port,
          path: request.url,
          method: request.method,
          headers: request.headers,
        },
        (reply) => {
          response.writeHead(reply.statusCode ?? 502, reply.headers);
          const inject =
            request.url?.startsWith('/api/v1/pods?') === true &&
            request.url.includes('watch=') &&
            injected < count;
          let done = !inject;
          if (inject) injected++;
          reply.on('data', (chunk: Buffer) => {
            response.write(chunk);
            if (!done) {
              done = true;
              response.write('{"type":"MODIFIED","object":{"metadata":\n');
            }
          });
          reply.on('end', () => response.end());
          reply.on('error', () => response.destroy());
        },
      );
      forward.on('error', () => response.destroy());
      response.on('close', () => forward.destroy());
      request.pipe(forward);
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const { port } = proxy.address() as AddressInfo;
    return {
      url: `http://127.0.0.1:${port}`,
      close: () =>
        new Promise<void>((resolve) => {
          proxy.closeAllConnections();
          proxy.close(() => {
            resolve();
          });
        }),
    };
  };
}

describe('KubernetesClusterApi watches against faults', () => {
  it('survive dropped watches and 410 Gone (history of 20 changes): nothing lost, duplicated or reordered', async () => {
    const { view, stats } = await run(
      [{ fault: 'dropWatch', rate: 0.6, verb: 'watch', delayMs: 40 }],
      {
        watchHistory: 20,
      },
    );
    expect(view.duplicates).toEqual([]);
    expect(view.regressions).toEqual([]);
    const pods = stats.watches['pods'];
    expect(pods?.relists).toBeGreaterThan(0);
    expect(pods?.watches).toBeGreaterThan(2);
  }, 60_000);

  it('back off after 5xx and 429 (honouring Retry-After) and converge', async () => {
    const { view } = await run(
      [
        { fault: 'dropWatch', rate: 0.5, verb: 'watch', delayMs: 30 },
        { fault: 'error', status: 503, rate: 0.3, verb: 'watch' },
        { fault: 'throttle', rate: 0.2, verb: 'watch', retryAfterSeconds: 1 },
      ],
      {},
    );
    expect(view.duplicates).toEqual([]);
    expect(view.regressions).toEqual([]);
    const kinds = new Set(view.errors.map((e) => `${e.kind} ${e.code ?? ''}`));
    expect(kinds).toContain('Transient 503 ServiceUnavailable');
    expect(kinds).toContain('Throttled 429 TooManyRequests');
  }, 60_000);

  it('names garbage on the stream, restarts from the last good version and converges', async () => {
    const { view } = await run([], { proxy: garbageProxy(3) });
    expect(view.duplicates).toEqual([]);
    expect(view.regressions).toEqual([]);
    const garbage = view.errors.filter((e) => e.code === 'MalformedWatchEvent');
    expect(garbage).toHaveLength(3);
    expect(garbage[0]?.message).toMatch(/^watch pods: MalformedWatchEvent: a line is not JSON/);
  }, 60_000);
});
