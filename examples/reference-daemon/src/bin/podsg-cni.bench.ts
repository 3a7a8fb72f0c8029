// `npm run bench`: podsg-cni end to end as a real process (spawn to exit), side by side with the
// floor `node -e 0` in the same run, alternating so machine noise hits both alike. Prints medians,
// p90s and ratios to the floor; asserts nothing about time. Goal: CNI ADD end to end in
// a real namespace, without the VLAN step on this kernel, ≤ 1.5× the floor.
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { AgentPodAnswer } from '@podsg/cni';
import {
  CNI_BIN_DIR,
  buildReferenceDaemon,
  ip,
  namespaceSkipReason,
  podEnv,
  podsgCniBin,
  podsgCniUnbundled,
  runPlugin,
  runProcess,
  withNamespaces,
  BRANCH_POD_ANSWER,
  startStubAgent,
  type StubAgent,
} from './podsg-cni.testkit.js';

const RUNS = Math.max(25, Number(process.env.PODSG_BENCH_RUNS ?? 25));
const GOAL = 1.5;

/** The `q` quantile (0.5 median, 0.9 p90) of `values`, by the nearest-rank method. */
const quantile = (values: readonly number[], q: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? NaN;
};

/** Samples in ms per case name, one per round, rounds in the same order for every case. */
type Samples = Record<string, number[]>;

/** Runs each named case once per round, in a rotating order, so noise hits every case alike. */
async function sideBySide(
  cases: Readonly<Record<string, () => Promise<number>>>,
): Promise<Samples> {
  const names = Object.keys(cases);
  const samples: Samples = Object.fromEntries(names.map((name) => [name, []]));
  for (let round = 0; round < RUNS; round += 1) {
    for (let i = 0; i < names.length; i += 1) {
      const name = names[(round + i) % names.length] ?? '';
      samples[name]?.push(await (cases[name] ?? (() => Promise.resolve(NaN)))());
    }
  }
  return samples;
}

/** One line: median and p90 of `values`, each as a ratio to the floor's median and p90. */
function line(
  name: string,
  values: readonly number[],
  floor: readonly number[],
  goal = '',
): string {
  const median = quantile(values, 0.5);
  const p90 = quantile(values, 0.9);
  const ratio = (ms: number, of: number): string => `${(ms / of).toFixed(2)}×`;
  return `  ${name.padEnd(58)} median ${median.toFixed(1).padStart(6)} ms ${ratio(median, quantile(floor, 0.5)).padStart(6)}   p90 ${p90.toFixed(1).padStart(6)} ms ${ratio(p90, quantile(floor, 0.9)).padStart(6)}${goal}`;
}

let workDir: string;
let socketPath: string;
let agent: StubAgent | undefined;
const pods = new Map<string, AgentPodAnswer>([
  ['default/plain', { podUid: 'uid-plain', required: false }],
  ['default/web', BRANCH_POD_ANSWER],
]);

beforeAll(async () => {
  // Measure what ships: tsc's output bundled into one file, as `npm run build` makes it.
  buildReferenceDaemon();
  agent = await startStubAgent('podsg-cni-bench-', pods);
  ({ workDir, socketPath } = agent);
}, 300_000);

afterAll(async () => {
  await agent?.close();
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
  const versionOf = (script: string) => async (): Promise<number> =>
    (
      await runProcess(
        [process.execPath, script],
        { CNI_COMMAND: 'VERSION' },
        '{"cniVersion":"1.0.0"}',
      )
    ).ms;
  const samples = await sideBySide({
    floor: () => node0(),
    bundled: versionOf(podsgCniBin),
    unbundled: versionOf(podsgCniUnbundled),
  });
  const floor = samples.floor ?? [];
  console.log(
    `\npodsg-cni VERSION, spawn to exit (${RUNS} alternating runs each; ratios to the floor's median and p90)`,
  );
  console.log(line('node -e 0 (the floor)', floor, floor));
  console.log(line('podsg-cni VERSION (bin: the one-file bundle)', samples.bundled ?? [], floor));
  console.log(
    line(
      'podsg-cni VERSION, unbundled tsc output (for comparison)',
      samples.unbundled ?? [],
      floor,
    ),
  );
});

const why = namespaceSkipReason();
if (why) console.warn(`skipped: podsg-cni ADD benchmarks: ${why}`);

it.skipIf(!!why)('podsg-cni ADD in a real namespace vs node -e 0', async ({ task }) => {
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
    /** Times a branch ADD, which fails at the VLAN step on this kernel and undoes itself. */
    const branchAdd = async (argv: readonly string[]): Promise<number> => {
      const add = await runProcess(argv, podEnv('ADD', 'web', podNetns), config(), hostNs);
      if (add.json.code !== 101) throw new Error(`branch ADD: ${add.stdout}${add.stderr}`);
      return add.ms;
    };
    const ptp = [join(CNI_BIN_DIR, 'ptp')];
    const plugin = [process.execPath, podsgCniBin];
    const unbundled = [process.execPath, podsgCniUnbundled];

    const branch = await runPlugin(podEnv('ADD', 'web', podNetns), config(), hostNs);
    console.log(
      `\nbranch ADD on this kernel: exit ${branch.exitCode}, code ${String(branch.json.code)}: ${String(branch.json.msg)}`,
    );

    const samples = await sideBySide({
      floor: () => node0(),
      floorInNetns: () => node0(hostNs),
      ptp: () => addThenDel(ptp, ptpConfig),
      delegated: () => addThenDel(plugin, config()),
      branch: () => branchAdd(plugin),
      delegatedUnbundled: () => addThenDel(unbundled, config()),
      branchUnbundled: () => branchAdd(unbundled),
    });
    const at = (name: string): number[] => samples[name] ?? [];
    const floor = at('floor');
    // Every process but the floor runs through `ip netns exec` (so the plugin's host is the
    // throwaway namespace); what that adds is taken off, or the ratios would flatter the plugin.
    const netnsExec = quantile(at('floorInNetns'), 0.5) - quantile(floor, 0.5);
    const minusNetnsExec = (values: number[]): number[] => values.map((ms) => ms - netnsExec);
    // The delegate's own time comes off round by round (ptp alone ran in the same round).
    const minusDelegate = (values: number[]): number[] =>
      values.map((ms, round) => ms - (at('ptp')[round] ?? NaN));
    const goal = `   goal ≤ ${GOAL.toFixed(1)}×`;
    // The table at the end of `npm run bench` (vitest.benchGoals.ts) reads these.
    const medianRatio = (values: number[]): number => quantile(values, 0.5) / quantile(floor, 0.5);
    Object.assign(task.meta, {
      benchGoals: [
        {
          name: '(a) delegated ADD minus the delegate',
          ratio: medianRatio(minusDelegate(at('delegated'))),
        },
        {
          name: '(b) branch ADD up to the VLAN step',
          ratio: medianRatio(minusNetnsExec(at('branch'))),
        },
      ].map(({ name, ratio }) => ({
        goal: `podsg-cni ${name}, median ≤ ${GOAL.toFixed(1)}× node -e 0`,
        figure: `${ratio.toFixed(2)}×`,
        met: ratio <= GOAL,
      })),
    });

    console.log(
      `\nCNI ADD end to end in a real namespace, process start to result, without the VLAN step (this kernel has no 802.1Q)`,
    );
    console.log(`(${RUNS} alternating runs each; ratios to the floor's median and p90)`);
    console.log(line('node -e 0 (the floor)', floor, floor));
    console.log(
      line(
        '(a) delegated ADD minus the delegate (ptp + host-local)',
        minusDelegate(at('delegated')),
        floor,
        goal,
      ),
    );
    console.log(
      line(
        '(b) branch ADD up to the VLAN step, incl. its rollback',
        minusNetnsExec(at('branch')),
        floor,
        goal,
      ),
    );
    console.log(
      '  (b) wires the host side (veth, route, rules) in one ip batch, which fails at the VLAN line;\n' +
        '      the pod-side batch never runs and the rollback (two deletion batches at once) runs instead.',
    );
    console.log('\nthe parts, as measured (each through ip netns exec except the floor):');
    console.log(line('node -e 0 in the namespace', at('floorInNetns'), floor));
    console.log(line('ptp + host-local alone', at('ptp'), floor));
    console.log(line('podsg-cni ADD, delegated to ptp', at('delegated'), floor));
    console.log(line('podsg-cni ADD, branch, to the VLAN step + rollback', at('branch'), floor));
    console.log('unbundled tsc output, for comparison (same code, ~40 modules):');
    console.log(
      line(
        '(a) unbundled: delegated ADD minus the delegate',
        minusDelegate(at('delegatedUnbundled')),
        floor,
      ),
    );
    console.log(
      line(
        '(b) unbundled: branch ADD to the VLAN step + rollback',
        minusNetnsExec(at('branchUnbundled')),
        floor,
      ),
    );
  });
});
