// `npm run bench`: podsg-cni end to end as a real process (spawn to exit), side by side with the
// floor `node -e 0` in the same run, alternating so machine noise hits both alike. Prints medians
// and ratios; asserts nothing about time. Goal: ≤ 1.5× the floor.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { AgentPodAnswer } from '@podsg/cni';
import { NodeAgentServer } from '../agent/services/NodeAgentServer.js';
import {
  CNI_BIN_DIR,
  ip,
  namespaceSkipReason,
  podEnv,
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
  await sideBySide('podsg-cni VERSION', 'node -e 0', {
    'node -e 0': () => node0(),
    'podsg-cni VERSION': async () =>
      (await runPlugin({ CNI_COMMAND: 'VERSION' }, '{"cniVersion":"1.0.0"}')).ms,
  });
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
    const addThenDel = async (
      argv: 'podsg' | 'ptp',
      pod: string,
      stdin: string,
    ): Promise<number> => {
      const env = podEnv('ADD', pod, podNetns);
      const add =
        argv === 'podsg'
          ? await runPlugin(env, stdin, hostNs)
          : await runProcess([join(CNI_BIN_DIR, 'ptp')], env, stdin, hostNs);
      if (pod === 'plain' && add.exitCode !== 0) {
        throw new Error(`${argv} ADD failed: ${add.stdout}${add.stderr}`);
      }
      const prev = JSON.stringify({ ...JSON.parse(stdin), prevResult: add.json });
      const delEnv = podEnv('DEL', pod, podNetns);
      const del =
        argv === 'podsg'
          ? await runPlugin(delEnv, prev, hostNs)
          : await runProcess([join(CNI_BIN_DIR, 'ptp')], delEnv, prev, hostNs);
      if (del.exitCode !== 0) throw new Error(`${argv} DEL failed: ${del.stdout}${del.stderr}`);
      return add.ms;
    };

    const branch = await runPlugin(podEnv('ADD', 'web', podNetns), config(), hostNs);
    console.log(
      `\nbranch ADD on this kernel: exit ${branch.exitCode}, code ${String(branch.json.code)}: ${String(branch.json.msg)}`,
    );

    const medians = await sideBySide('CNI ADD in a throwaway namespace', 'node -e 0 (in netns)', {
      'node -e 0 (in netns)': () => node0(hostNs),
      'ptp + host-local alone (in netns)': () => addThenDel('ptp', 'plain', ptpConfig),
      'podsg-cni ADD, delegated to ptp (in netns)': () => addThenDel('podsg', 'plain', config()),
      'podsg-cni ADD, branch, to the VLAN step': async () =>
        (await runPlugin(podEnv('ADD', 'web', podNetns), config(), hostNs)).ms,
    });
    const floor = medians['node -e 0 (in netns)'] ?? NaN;
    const delegate = medians['ptp + host-local alone (in netns)'] ?? NaN;
    const delegated = medians['podsg-cni ADD, delegated to ptp (in netns)'] ?? NaN;
    console.log(
      `  podsg's own share of a delegated ADD: ${(delegated - delegate).toFixed(1)} ms = ` +
        `${((delegated - delegate) / floor).toFixed(2)}× floor (goal ≤ 1.5×)`,
    );
  });
});
