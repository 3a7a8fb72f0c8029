import { SeededRandom } from '@podsg/adapters-fake';
import { EC2_API_NAMES } from '@podsg/allocator';
import { expect, it } from 'vitest';
import {
  DEFAULT_SCENARIO_CONTROLLER,
  type Scenario,
  type TimelineStep,
} from '../models/Scenario.js';
import type { SimulationReport } from '../models/SimulationReport.js';
import { Simulation } from './Simulation.js';

/**
 * Seeds FIRST..LAST: 1..50 in CI; more with PODSG_CHAOS_SEEDS=500, one alone with
 * PODSG_CHAOS_SEED_FROM=544 PODSG_CHAOS_SEEDS=544.
 */
const LAST = Number(process.env['PODSG_CHAOS_SEEDS'] ?? 50);
const FIRST = Number(process.env['PODSG_CHAOS_SEED_FROM'] ?? 1);
if (!Number.isInteger(FIRST) || !Number.isInteger(LAST) || FIRST < 1 || LAST < FIRST)
  throw new Error(
    `PODSG_CHAOS_SEED_FROM (${FIRST}) and PODSG_CHAOS_SEEDS (${LAST}) must be integers with 1 <= PODSG_CHAOS_SEED_FROM <= PODSG_CHAOS_SEEDS`,
  );
const SEEDS = LAST - FIRST + 1;
/** Chaos (pods, deletions, policy changes, faults, restarts) for this long, then quiet. */
const CHAOS_SECONDS = 240;
/** Long enough after the chaos for cooldowns, retries and sweeps to finish. */
const QUIET_SECONDS = 900;

const GROUPS = [
  'sg-0000000000000000a',
  'sg-0000000000000000b',
  'sg-0000000000000000c',
  'sg-0000000000000000d',
];
const APPS = ['web', 'db', 'cache', 'plain'];

function policy(name: string, app: string, groupIds: string[]): Record<string, unknown> {
  return {
    apiVersion: 'vpcresources.k8s.aws/v1beta1',
    kind: 'SecurityGroupPolicy',
    metadata: { name, namespace: 'default' },
    spec: { podSelector: { matchLabels: { app } }, securityGroups: { groupIds } },
  };
}

function serviceAccount(name: string, labels: Record<string, string>): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: { name, namespace: 'default', labels },
  };
}

/**
 * A random but reproducible cluster life: the same seed gives the same scenario. Node agents
 * confirm releases on even seeds, so early ends of cooldowns meet the same chaos.
 */
function chaosScenario(seed: number): Scenario {
  const random = new SeededRandom(seed);
  const pick = <T>(items: readonly T[]): T => items[random.int(0, items.length - 1)] as T;
  const groupSet = (): string[] => GROUPS.filter(() => random.next() < 0.5).concat(pick(GROUPS));
  const timeline: TimelineStep[] = [];
  const alive: string[] = [];
  let created = 0;
  for (let at = 5; at < CHAOS_SECONDS; at += random.int(2, 15)) {
    const step: TimelineStep = {
      at,
      apply: [],
      delete: [],
      restartController: false,
      generatePods: null,
    };
    const roll = random.next();
    if (roll < 0.4) {
      const count = random.int(1, 6);
      const prefix = `p${created}`;
      created++;
      step.generatePods = {
        count,
        namespace: 'default',
        prefix,
        labels: { app: pick(APPS) },
        serviceAccountName: random.next() < 0.2 ? 'batch' : 'default',
      };
      for (let n = 1; n <= count; n++) alive.push(`${prefix}-${n}`);
    } else if (roll < 0.7 && alive.length > 0) {
      for (let n = random.int(1, 4); n > 0 && alive.length > 0; n--) {
        const [victim] = alive.splice(random.int(0, alive.length - 1), 1);
        if (victim !== undefined)
          step.delete.push({ kind: 'Pod', namespace: 'default', name: victim });
      }
    } else if (roll < 0.85) {
      const app = pick(APPS.slice(0, 3));
      step.apply.push(
        random.next() < 0.15
          ? serviceAccount('batch', { team: pick(['a', 'b']) })
          : policy(app, app, groupSet()),
      );
    } else if (roll < 0.93) {
      step.delete.push({
        kind: 'SecurityGroupPolicy',
        namespace: 'default',
        name: pick(APPS.slice(0, 3)),
      });
    } else {
      step.restartController = true;
    }
    timeline.push(step);
  }
  return {
    cluster: {
      name: 'chaos',
      vpc: { id: 'vpc-0a1b2c3d', cidr: '10.0.0.0/16' },
      subnets: [{ id: 'subnet-0a1b2c3d', cidr: '10.0.0.0/22' }],
      securityGroups: GROUPS,
      // Small trunks, so pods wait for capacity and held interfaces get reclaimed.
      nodes: [
        {
          name: 'node-a',
          instanceType: 'm5.large',
          subnet: 'subnet-0a1b2c3d',
          labels: { 'vpc.amazonaws.com/has-trunk-attached': 'true' },
        },
        {
          name: 'node-b',
          instanceType: 'c5.xlarge',
          subnet: 'subnet-0a1b2c3d',
          labels: { 'vpc.amazonaws.com/has-trunk-attached': 'true' },
        },
      ],
    },
    ec2: {
      latencyMs: { min: 20, max: 400 },
      throttle: {},
      // 10% of every call fails, as a lost response or a server error.
      faults: EC2_API_NAMES.map((api) => ({ api, rate: 0.1 })),
      visibilityDelayMs: 1000,
    },
    controller: {
      ...DEFAULT_SCENARIO_CONTROLLER,
      cooldownSeconds: 30,
      recycleSeconds: 120,
      // Every fifth seed, nodes keep warm branches for what their pods recently used.
      warmPool: seed % 5 === 1 ? { branchesPerNode: 2, idleSeconds: 60 } : null,
      // Every third seed, pods wait for releases (on either node, then moved) before creating.
      releaseWaitSeconds: seed % 3 === 0 ? 10 : null,
    },
    nodeAgent: { confirmRelease: seed % 2 === 0 },
    objects: [
      serviceAccount('batch', { team: 'a' }),
      policy('web', 'web', [GROUPS[0] ?? '']),
      policy('db', 'db', [GROUPS[1] ?? '', GROUPS[2] ?? '']),
      {
        apiVersion: 'vpcresources.k8s.aws/v1beta1',
        kind: 'SecurityGroupPolicy',
        metadata: { name: 'batch', namespace: 'default' },
        spec: {
          serviceAccountSelector: { matchLabels: { team: 'a' } },
          securityGroups: { groupIds: [GROUPS[3] ?? ''] },
        },
      },
    ],
    timeline,
    until: CHAOS_SECONDS + QUIET_SECONDS,
  };
}

/**
 * What must hold after quiescence. The report's violations cover unique VLANs, one owner per
 * interface, resolved groups on every interface and capacity; a second interface made for a pod
 * that has one would be owned by no live pod, so it shows as leaked.
 */
function problemsOf(report: SimulationReport): string[] {
  const problems = [...report.violations];
  if (report.leakedInterfaces > 0) problems.push(`${report.leakedInterfaces} leaked interfaces`);
  if (report.podsWaitingForBranch > 0)
    problems.push(`${report.podsWaitingForBranch} pods without a branch`);
  return problems;
}

it(`converges after ${SEEDS} seeds (${FIRST}..${LAST}) of random pods, deletions, policy changes, 10% EC2 faults and restarts`, async () => {
  const failures: string[] = [];
  let podsChecked = 0;
  let faultsInjected = 0;
  let restarts = 0;
  let releasesConfirmed = 0;
  let moves = 0;
  for (let seed = FIRST; seed <= LAST; seed++) {
    const scenario = chaosScenario(seed);
    restarts += scenario.timeline.filter((step) => step.restartController).length;
    const simulation = new Simulation(scenario, seed);
    // Besides the scenario's server errors, some responses are lost after the change took
    // effect: what client tokens and recovery exist for.
    simulation.ec2.setFaults([
      ...scenario.ec2.faults,
      { api: 'CreateNetworkInterface', rate: 0.05, after: true },
      { api: 'AssociateTrunkInterface', rate: 0.05, after: true },
      { api: 'DeleteNetworkInterface', rate: 0.05, after: true },
      // A move's first call lost after it took effect: the branch is off its trunk, unknown.
      { api: 'DisassociateTrunkInterface', rate: 0.05, after: true },
    ]);
    // Faults stop with the chaos, so what follows is the system settling, not still fighting.
    simulation.clock.schedule(CHAOS_SECONDS * 1000, () => {
      simulation.ec2.setFaults([]);
    });
    const report = await simulation.run();
    faultsInjected += simulation.ec2.calls().filter((call) => call.outcome === 'fault').length;
    podsChecked += report.pods.filter(
      (pod) => pod.removedAt === null && pod.branch !== null,
    ).length;
    releasesConfirmed += simulation.cooldowns().releasesConfirmed;
    moves += simulation.moves();
    const problems = problemsOf(report);
    if (problems.length > 0) failures.push(`seed ${seed}: ${problems.slice(0, 5).join('; ')}`);
  }
  console.log(
    `chaos: ${SEEDS} seeds, ${podsChecked} pods with branches checked, ${faultsInjected} faults injected, ${restarts} restarts, ${releasesConfirmed} confirmed releases, ${moves} branches moved between nodes`,
  );
  expect(failures).toEqual([]);
  // The moves met the chaos: a run where none happened would prove nothing about them.
  expect(moves).toBeGreaterThan(0);
  // The runs exercised something.
  expect(podsChecked).toBeGreaterThan(SEEDS * 3);
  expect(faultsInjected).toBeGreaterThan(SEEDS * 5);
  expect(restarts).toBeGreaterThan(SEEDS / 5);
  expect(releasesConfirmed).toBeGreaterThan(SEEDS / 2);
}, 600_000);
