// `npm run bench`: podsg-cni end to end as a real process (spawn to exit), side by side with the
// floor `node -e 0` in the same run, alternating so machine noise hits both alike. Prints medians
// and ratios; asserts nothing about time. Goal: ≤ 1.5× the floor.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { AgentPodAnswer } from '@podsg/cni';
import { NodeAgentServer } from '../agent/services/NodeAgentServer.js';
import {
  CNI_BIN_DIR,
  ip,
  repoRoot,
  namespaceSkipReason,
  podEnv,
  podsgCniBin,
  runPlugin,
  runProcess,
  withNamespaces,
} from './podsg-cni.testkit.js';

const RUNS = Number(process.env.PODSG_BENCH_RUNS ?? 25);

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] ?? NaN)
    : ((sorted[middle - 1] ?? NaN) + (sorted[middle] ?? NaN)) / 2;
};

/** Runs each named case once per round, in a rotating order, and prints medians against `floor`. */
async function sideBySide(
  title: string,
  floor: string,
  cases: Readonly<Record<string, () => Promise<number>>>,
): Promise<Record<string, number>> {
  const names = Object.keys(cases);
  const samples = new Map<string, number[]>(names.map((name) => [name, []]));
  for (let round = 0; round < RUNS; round += 1) {
    for (let i = 0; i < names.length; i += 1) {
      const name = names[(round + i) % names.length] ?? '';
      samples.get(name)?.push(await (cases[name] ?? (() => Promise.resolve(NaN)))());
    }
  }
  const medians = Object.fromEntries(names.map((name) => [name, median(samples.get(name) ?? [])]));
  const floorMs = medians[floor] ?? NaN;
  console.log(`\n${title} (median of ${RUNS} alternating runs each, spawn to exit)`);
  for (const name of names) {
    const ms = medians[name] ?? NaN;
    console.log(
      `  ${name.padEnd(44)} ${ms.toFixed(1).padStart(7)} ms  ${(ms / floorMs).toFixed(2)}× floor`,
    );
  }
  return medians;
}

let workDir: string;
let socketPath: string;
/**
 * The built plugin bundled into one file by rolldown (present in node_modules as vite's bundler),
 * when it is there: an experiment showing what ESM module loading costs start-up. Not shipped.
 */
let bundledBin: string | undefined;
let agent: NodeAgentServer;
const pods = new Map<string, AgentPodAnswer>([
  ['default/plain', { podUid: 'uid-plain', required: false }],
  [
    'default/web',
    {
      podUid: 'uid-web',
      required: true,
      branch: {
        vlanId: 5,
        ifAddress: '0a:1b:2c:3d:4e:5f',
        privateIp: '10.0.5.21',
        subnetCidr: '10.0.0.0/20',
      },
      trunkLink: 'trunk0',
    },
  ],
]);

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'podsg-cni-bench-'));
  socketPath = join(workDir, 'agent.sock');
  agent = new NodeAgentServer({
    socketPath,
    log: { info: () => undefined, warn: () => undefined },
    pods: { synced: true, answerFor: (ns, name) => pods.get(`${ns}/${name}`) ?? null },
  });
  await agent.start();
  const rolldown = join(repoRoot, 'node_modules/.bin/rolldown');
  if (existsSync(rolldown)) {
    const outDir = join(workDir, 'bundle');
    execFileSync(
      rolldown,
      [
        join(repoRoot, 'examples/reference-daemon/dist/bin/podsg-cni.js'),
        '--platform',
        'node',
        '--format',
        'esm',
        '-d',
        outDir,
      ],
      { stdio: 'ignore' },
    );
    await writeFile(join(outDir, 'package.json'), '{"type":"module"}\n');
    bundledBin = join(outDir, 'podsg-cni.js');
  } else {
    console.warn('no rolldown in node_modules: the bundled-plugin experiment is skipped');
  }
});

afterAll(async () => {
  await agent.close();
  await rm(workDir, { recursive: true, force: true });
});

const config = (): string =>
  JSON.stringify({
    cniVersion: '1.0.0',
    name: 'podsg-bench',
    type: 'podsg-cni',
    agentSocket: socketPath,
    delegate: {
      type: 'ptp',
      ipMasq: false,
      ipam: { type: 'host-local', subnet: '10.23.0.0/24', dataDir: join(workDir, 'ipam') },
    },
  });

const node0 = (netns?: string): Promise<number> =>
  runProcess([process.execPath, '-e', '0'], {}, '', netns).then((run) => run.ms);

it('podsg-cni VERSION vs node -e 0', async () => {
  const version = await runPlugin({ CNI_COMMAND: 'VERSION' }, '{"cniVersion":"1.0.0"}');
  expect(version.exitCode, version.stdout + version.stderr).toBe(0);
  const cases: Record<string, () => Promise<number>> = {
    'node -e 0': () => node0(),
    'podsg-cni VERSION': async () =>
      (await runPlugin({ CNI_COMMAND: 'VERSION' }, '{"cniVersion":"1.0.0"}')).ms,
  };
  const bundled = bundledBin;
  if (bundled !== undefined) {
    cases['podsg-cni VERSION, bundled (experiment)'] = async () =>
      (
        await runProcess(
          [process.execPath, bundled],
          { CNI_COMMAND: 'VERSION' },
          '{"cniVersion":"1.0.0"}',
        )
      ).ms;
  }
  await sideBySide('podsg-cni VERSION', 'node -e 0', cases);
});

const why = namespaceSkipReason();
if (why) console.warn(`skipped: podsg-cni ADD benchmarks: ${why}`);

it.skipIf(!!why)('podsg-cni ADD in a namespace vs node -e 0 (and the delegate alone)', async () => {
  await withNamespaces(async ({ hostNs, podNetns }) => {
    // A veth stands in for the trunk (this kernel has neither dummy nor 8021q).
    ip('-n', hostNs, 'link', 'add', 'trunk0', 'type', 'veth', 'peer', 'name', 'trunk0p');
    ip('-n', hostNs, 'link', 'set', 'trunk0', 'up');
    const ptpConfig = JSON.stringify({
      cniVersion: '1.0.0',
      name: 'podsg-bench-ptp',
      type: 'ptp',
      ipMasq: false,
      ipam: { type: 'host-local', subnet: '10.24.0.0/24', dataDir: join(workDir, 'ipam') },
    });

    /** Times ADD, then undoes it with an untimed DEL so every round starts from the same state. */
    const addThenDel = async (argv: readonly string[], stdin: string): Promise<number> => {
      const add = await runProcess(argv, podEnv('ADD', 'plain', podNetns), stdin, hostNs);
      if (add.exitCode !== 0) throw new Error(`ADD failed: ${add.stdout}${add.stderr}`);
      const prev = JSON.stringify({ ...JSON.parse(stdin), prevResult: add.json });
      const del = await runProcess(argv, podEnv('DEL', 'plain', podNetns), prev, hostNs);
      if (del.exitCode !== 0) throw new Error(`DEL failed: ${del.stdout}${del.stderr}`);
      return add.ms;
    };
    const ptp = [join(CNI_BIN_DIR, 'ptp')];
    const plugin = [process.execPath, podsgCniBin];

    const branch = await runPlugin(podEnv('ADD', 'web', podNetns), config(), hostNs);
    console.log(
      `\nbranch ADD on this kernel: exit ${branch.exitCode}, code ${String(branch.json.code)}: ${String(branch.json.msg)}`,
    );

    const cases: Record<string, () => Promise<number>> = {
      'node -e 0 (in netns)': () => node0(hostNs),
      'ptp + host-local alone (in netns)': () => addThenDel(ptp, ptpConfig),
      'podsg-cni ADD, delegated to ptp (in netns)': () => addThenDel(plugin, config()),
      'podsg-cni ADD, branch, to the VLAN step': async () =>
        (await runPlugin(podEnv('ADD', 'web', podNetns), config(), hostNs)).ms,
    };
    if (bundledBin !== undefined) {
      cases['podsg-cni ADD, delegated, bundled (experiment)'] = () =>
        addThenDel([process.execPath, bundledBin ?? ''], config());
    }
    const medians = await sideBySide(
      'CNI ADD in a throwaway namespace',
      'node -e 0 (in netns)',
      cases,
    );
    const floor = medians['node -e 0 (in netns)'] ?? NaN;
    const delegate = medians['ptp + host-local alone (in netns)'] ?? NaN;
    for (const name of [
      'podsg-cni ADD, delegated to ptp (in netns)',
      'podsg-cni ADD, delegated, bundled (experiment)',
    ]) {
      const own = (medians[name] ?? NaN) - delegate;
      if (Number.isNaN(own)) continue;
      console.log(
        `  ${name}, minus ptp alone: ${own.toFixed(1)} ms = ${(own / floor).toFixed(2)}× floor (goal ≤ 1.5×)`,
      );
    }
  });
});
