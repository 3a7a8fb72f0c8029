// `npm run bench`: pod-ready percentiles for 200 pods through the whole process
// chain — `podsgd dev`'s emulators, the real controller and node agents as child processes, the
// webhook over TLS, EC2 over the Query protocol — next to `podsgd simulate`'s figure for the same
// scenario (testdata/bench-200.yaml) in virtual time. Ready = annotated with the branch
// (container start is modelled by neither). Through the processes, a pod's ready time runs from
// its creationTimestamp to the watch event that shows its annotation; the 200 pods are created
// through the API 8 at a time, as fast as admission lets them.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { it } from 'vitest';
import { KubernetesHttpClient, loadKubeConfig } from '@podsg/adapters-aws';
import { POD_ENI_ANNOTATION } from '@podsg/allocator';
import { KubernetesObjectWriter } from '../../dev/services/KubernetesObjectWriter.js';
import { readyPercentiles } from '../../simulate/calculations/percentiles.js';
import { isKnownInstanceType } from '../../simulate/calculations/isKnownInstanceType.js';
import { parseScenario } from '../../simulate/calculations/parseScenario.js';
import { Simulation } from '../../simulate/services/Simulation.js';

const repoRoot = fileURLToPath(new URL('../../../../../', import.meta.url));
const podsgd = join(repoRoot, 'examples/reference-daemon/bin/podsgd.js');
const scenarioFile = fileURLToPath(new URL('./testdata/bench-200.yaml', import.meta.url));
const PODS = 200;
const PARALLEL_CREATES = 8;

it('pod-ready percentiles, 200 pods: the process chain of podsgd dev next to podsgd simulate', async () => {
  const scenario = parseScenario(readFileSync(scenarioFile, 'utf8'), { isKnownInstanceType });
  const simulated = (await new Simulation(scenario).run()).podReadySeconds;

  const dir = mkdtempSync(join(tmpdir(), 'podsgd-dev-bench-'));
  const dev = spawn(
    process.execPath,
    [podsgd, 'dev', '--cluster', scenarioFile, '--state-dir', dir, '--replicas', '1'],
    { env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' }, stdio: 'pipe' },
  );
  const exited = new Promise((resolve) => dev.on('exit', resolve));
  try {
    await new Promise<void>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => {
        reject(new Error(`podsgd dev not ready:\n${out}`));
      }, 90_000);
      dev.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString('utf8');
        if (out.includes('podsgd dev: ready')) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    const transport = new KubernetesHttpClient(loadKubeConfig({ file: join(dir, 'kubeconfig') }));
    const writer = new KubernetesObjectWriter(transport);
    for (const object of scenario.objects) await writer.apply(object);

    const readyMs = new Map<string, number>();
    const watching = new AbortController();
    const allReady = new Promise<void>((resolve) => {
      void transport.stream(
        {
          method: 'GET',
          path: '/api/v1/namespaces/default/pods',
          query: { watch: true },
          operation: 'watch pods',
        },
        (line) => {
          const event = JSON.parse(line) as {
            object: {
              metadata: {
                name: string;
                creationTimestamp: string;
                annotations?: Record<string, string>;
              };
            };
          };
          const { metadata } = event.object;
          if (metadata.annotations?.[POD_ENI_ANNOTATION] === undefined) return;
          if (readyMs.has(metadata.name)) return;
          readyMs.set(metadata.name, Date.now() - Date.parse(metadata.creationTimestamp));
          if (readyMs.size === PODS) resolve();
        },
        watching.signal,
        600_000,
      );
    });
    const started = performance.now();
    let next = 1;
    await Promise.all(
      Array.from({ length: PARALLEL_CREATES }, async () => {
        while (next <= PODS) {
          const n = next++;
          await writer.apply({
            apiVersion: 'v1',
            kind: 'Pod',
            metadata: { name: `web-${n}`, namespace: 'default', labels: { app: 'web' } },
            spec: { containers: [{ name: 'app', image: 'busybox' }] },
          });
        }
      }),
    );
    const createdS = (performance.now() - started) / 1000;
    await Promise.race([allReady, new Promise((resolve) => setTimeout(resolve, 120_000))]);
    watching.abort();
    transport.close();
    const chain = readyPercentiles([...readyMs.values()].map((ms) => ms / 1000));
    const row = (name: string, r: typeof chain): string =>
      `  ${name.padEnd(34)} p50 ${r.p50.toFixed(3)} s  p90 ${r.p90.toFixed(3)} s  p99 ${r.p99.toFixed(3)} s  max ${r.max.toFixed(3)} s`;
    console.log(
      [
        `pod-ready, ${PODS} pods of one policy on 4 × c5.4xlarge (EC2 latency 40–300 ms):`,
        row('podsgd simulate (virtual time)', simulated),
        row('podsgd dev (processes, HTTP, TLS)', chain),
        `  created through the API in ${createdS.toFixed(1)} s (${PARALLEL_CREATES} at a time); ratio p99 dev/simulate ${(chain.p99 / simulated.p99).toFixed(2)}`,
        `  goal: every pod ready through the process chain (${readyMs.size}/${PODS}): ${readyMs.size === PODS ? 'met' : 'NOT met'}`,
      ].join('\n'),
    );
  } finally {
    dev.kill('SIGTERM');
    await exited;
    rmSync(dir, { recursive: true, force: true });
  }
}, 300_000);
