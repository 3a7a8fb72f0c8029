// `npm run bench`, the warm pool (`controller.warmPool`), in simulated time: the real
// BranchController against FakeEc2 / FakeCluster on a VirtualClock.
//
// Cluster: 10 × c5.4xlarge (54 branches each), one policy, EC2 latency 100–600 ms and FakeEc2's
// default buckets (mutating 50 at 5/s). At t = 0 one pod per node (10) gets a branch: that is
// the demand the pool predicts from (group sets of pods recently on the node).
// (a) Burst: at t = 120 s, 100 pods of the policy are created at once onto those warm nodes
//     (warmPool.branchesPerNode 10). Goal: p99 ready (annotatedAt − createdAt) ≤ 2 s. The same
//     burst without a pool is printed beside it.
// (b) Quiet hour: the same cluster with the pool on and nothing after the first 10 pods, for
//     2 h. The pool's idle cost is the difference in mutating EC2 calls (CreateTags apart) with
//     and without the pool, per node-hour, over the whole run and over the second hour alone.
import { it } from 'vitest';
import { readyPercentiles } from '../calculations/percentiles.js';
import { DEFAULT_SCENARIO_CONTROLLER, type Scenario } from '../models/Scenario.js';
import { Simulation } from './Simulation.js';

const NODES = 10;
const BRANCHES_PER_NODE = 10;
const IDLE_SECONDS = 600;
const BURST_AT_S = 120;
const BURST = 100;
const P99_GOAL_S = 2;
const QUIET_HOURS = 2;
const SEED = 1;

function scenario(options: { warm: boolean; burst: boolean; until: number }): Scenario {
  const pods = (at: number, count: number, prefix: string): Scenario['timeline'][number] => ({
    at,
    apply: [],
    delete: [],
    restartController: false,
    generatePods: {
      count,
      namespace: 'default',
      prefix,
      labels: { app: 'web' },
      serviceAccountName: 'default',
    },
  });
  return {
    cluster: {
      name: 'warm',
      vpc: { id: 'vpc-0a1b2c3d', cidr: '10.0.0.0/16' },
      subnets: [{ id: 'subnet-0a1b2c3d', cidr: '10.0.0.0/18' }],
      securityGroups: ['sg-0123456789abcdef0'],
      nodes: Array.from({ length: NODES }, (_, n) => ({
        name: `node-${String(n + 1).padStart(2, '0')}`,
        instanceType: 'c5.4xlarge',
        subnet: 'subnet-0a1b2c3d',
        labels: { 'vpc.amazonaws.com/has-trunk-attached': 'true' },
      })),
    },
    ec2: {
      latencyMs: { min: 100, max: 600 },
      throttle: {},
      faults: [],
      visibilityDelayMs: 1000,
    },
    controller: {
      ...DEFAULT_SCENARIO_CONTROLLER,
      warmPool: options.warm
        ? { branchesPerNode: BRANCHES_PER_NODE, idleSeconds: IDLE_SECONDS }
        : null,
    },
    nodeAgent: { confirmRelease: false },
    objects: [
      {
        apiVersion: 'vpcresources.k8s.aws/v1beta1',
        kind: 'SecurityGroupPolicy',
        metadata: { name: 'web', namespace: 'default' },
        spec: {
          podSelector: { matchLabels: { app: 'web' } },
          securityGroups: { groupIds: ['sg-0123456789abcdef0'] },
        },
      },
    ],
    timeline: [
      pods(0, NODES, 'seed'),
      ...(options.burst ? [pods(BURST_AT_S, BURST, 'burst')] : []),
    ],
    until: options.until,
  };
}

/** Mutating EC2 requests (CreateTags apart) in [from, to) seconds. */
function mutating(simulation: Simulation, fromS: number, toS: number): number {
  return simulation.ec2
    .calls()
    .filter(
      (call) =>
        !call.api.startsWith('Describe') &&
        call.api !== 'CreateTags' &&
        call.at >= fromS * 1000 &&
        call.at < toS * 1000,
    ).length;
}

const fixed = (value: number, digits = 1): string =>
  Number.isFinite(value) ? value.toFixed(digits) : String(value);

it('warm pool: a burst of 100 pods onto warm nodes, and the idle cost of a quiet hour', async ({
  task,
}) => {
  const burst: Record<string, { p50: number; p99: number; max: number; ready: number }> = {};
  for (const warm of [false, true]) {
    const simulation = new Simulation(
      scenario({ warm, burst: true, until: BURST_AT_S + 60 }),
      SEED,
    );
    const report = await simulation.run();
    const ready = report.pods
      .filter((pod) => pod.name.startsWith('burst-') && pod.annotatedAt !== null)
      .map((pod) => (pod.annotatedAt ?? 0) - pod.createdAt);
    const { p50, p99, max } = readyPercentiles(ready);
    burst[warm ? 'pool' : 'no pool'] = { p50, p99, max, ready: ready.length };
    if (report.violations.length > 0 || report.leakedInterfaces > 0) {
      throw new Error(
        `burst ${warm ? 'with' : 'without'} a pool: ${report.violations.join('; ')} (${report.leakedInterfaces} leaked)`,
      );
    }
  }
  const until = QUIET_HOURS * 3600;
  const quiet: Record<string, { total: number; lastHour: number; heldAtEnd: number }> = {};
  for (const warm of [false, true]) {
    const simulation = new Simulation(scenario({ warm, burst: false, until }), SEED);
    const report = await simulation.run();
    if (report.violations.length > 0 || report.leakedInterfaces > 0) {
      throw new Error(`quiet hours: ${report.violations.join('; ')}`);
    }
    quiet[warm ? 'pool' : 'no pool'] = {
      total: mutating(simulation, 0, until),
      lastHour: mutating(simulation, until - 3600, until),
      heldAtEnd: report.networkInterfaces.filter((eni) => eni.kind === 'branch').length - NODES,
    };
  }
  const withPool = burst['pool'];
  const withoutPool = burst['no pool'];
  const quietPool = quiet['pool'];
  const quietNone = quiet['no pool'];
  if (!withPool || !withoutPool || !quietPool || !quietNone) throw new Error('missing run');
  const perNodeHour = (quietPool.total - quietNone.total) / NODES / QUIET_HOURS;
  const perNodeSecondHour = (quietPool.lastHour - quietNone.lastHour) / NODES;

  console.log(
    `\nWarm pool bench, simulated seconds, seed ${String(SEED)}: ${String(NODES)} × c5.4xlarge, one policy, EC2 latency 100–600 ms,` +
      ` mutating buckets 50 / 5 s⁻¹; warmPool { branchesPerNode: ${String(BRANCHES_PER_NODE)}, idleSeconds: ${String(IDLE_SECONDS)} };` +
      ` ${String(NODES)} pods (one per node) at t = 0 give the demand the pool predicts from.`,
  );
  console.log(
    `(a) burst of ${String(BURST)} pods at t = ${String(BURST_AT_S)} s    no pool    pool`,
  );
  for (const [label, value] of [
    ['pods ready', (r: typeof withPool) => String(r.ready)],
    ['p50 ready, s', (r: typeof withPool) => fixed(r.p50, 2)],
    ['p99 ready, s', (r: typeof withPool) => fixed(r.p99, 2)],
    ['max ready, s', (r: typeof withPool) => fixed(r.max, 2)],
  ] as const) {
    console.log(
      `    ${label.padEnd(36)}${value(withoutPool).padStart(9)}${value(withPool).padStart(8)}`,
    );
  }
  console.log(
    `(b) quiet ${String(QUIET_HOURS)} h, mutating calls (CreateTags apart): no pool ${String(quietNone.total)}, pool ${String(quietPool.total)}` +
      ` → the pool costs ${fixed(perNodeHour, 1)} calls per node-hour over ${String(QUIET_HOURS)} h` +
      ` (filled once, deleted after ${String(IDLE_SECONDS)} s unused, not refilled without demand);` +
      ` second hour alone: ${fixed(perNodeSecondHour, 1)} per node-hour; warm branches left at the end: ${String(quietPool.heldAtEnd)}`,
  );
  Object.assign(task.meta, {
    benchGoals: [
      {
        goal: `warm pool: burst of ${String(BURST)} pods onto warm nodes, p99 ready ≤ ${String(P99_GOAL_S)} s`,
        figure: `${fixed(withPool.p99, 2)} s`,
        met: withPool.ready === BURST && withPool.p99 <= P99_GOAL_S,
      },
    ],
  });
});
