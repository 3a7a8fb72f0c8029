import { readFileSync } from 'node:fs';
import { clusterTagKey, POD_ENI_ANNOTATION } from '@podsg/allocator';
import { describe, expect, it } from 'vitest';
import { parseScenario } from '../calculations/parseScenario.js';
import type { Scenario, TimelineStep } from '../models/Scenario.js';
import { Simulation } from './Simulation.js';

const quickstart = parseScenario(
  readFileSync(new URL('../../../../scenarios/quickstart.yaml', import.meta.url), 'utf8'),
  { isKnownInstanceType: () => true },
);

function scenario(overrides: Partial<Scenario> = {}): Scenario {
  return { ...quickstart, ...overrides };
}

describe('Simulation', () => {
  it('wires every pod that needs a branch, with its groups, and leaks nothing', async () => {
    const report = await new Simulation(quickstart, 1).run();
    expect(report.violations).toEqual([]);
    expect(report.leakedInterfaces).toBe(0);
    expect(report.podsWaitingForBranch).toBe(0);
    const alive = report.pods.filter((pod) => pod.removedAt === null);
    const batch = alive.find((pod) => pod.name === 'batch-1');
    // Selected by its service account's labels, not its own.
    expect(batch?.groupIds).toEqual(['sg-00000000000000001', 'sg-0fedcba9876543210']);
    // The policy change at 260 s reached every web pod's interface.
    for (const pod of alive.filter((p) => p.name.startsWith('web') || p.name.startsWith('api'))) {
      expect(pod.groupIds).toEqual(['sg-0123456789abcdef0', 'sg-0aaaaaaaaaaaaaaa1']);
      expect(pod.branch?.eniId).toMatch(/^eni-/);
    }
    expect(alive.find((pod) => pod.name === 'plain-1')?.branch).toBeNull();
    // Nothing lands on the node whose type cannot take a trunk.
    expect(alive.filter((pod) => pod.branch !== null).every((pod) => pod.node !== 'node-t3')).toBe(
      true,
    );
    expect(
      report.events.some((e) => e.reason === 'Unsupported' && e.object === 'Node/node-t3'),
    ).toBe(true);
  });

  it('gives pods of a known group set the interfaces that cooled down, without EC2 calls', async () => {
    const report = await new Simulation(quickstart, 1).run();
    const deleted = report.pods
      .filter((pod) => pod.removedAt !== null)
      .map((pod) => pod.branch?.eniId);
    const successors = report.pods.filter((pod) => pod.name.startsWith('web-next-'));
    expect(successors).toHaveLength(4);
    expect(successors.map((pod) => pod.branch?.eniId).sort()).toEqual([...deleted].sort());
    const creates = report.ec2Calls['CreateNetworkInterface'] ?? 0;
    const branches = report.networkInterfaces.filter((eni) => eni.kind === 'branch').length;
    const trunks = report.networkInterfaces.filter((eni) => eni.kind === 'trunk').length;
    expect(creates).toBe(branches + trunks);
  });

  it('reports the same thing for the same seed, and other draws for another', async () => {
    const first = JSON.stringify(await new Simulation(quickstart, 5).run());
    const again = JSON.stringify(await new Simulation(quickstart, 5).run());
    const other = JSON.stringify(await new Simulation(quickstart, 6).run());
    expect(again).toBe(first);
    expect(other).not.toBe(first);
  });

  it('reports the interfaces with their kind, VLAN, trunk and tags', async () => {
    const report = await new Simulation(quickstart, 1).run();
    const trunks = report.networkInterfaces.filter((eni) => eni.kind === 'trunk');
    const branches = report.networkInterfaces.filter((eni) => eni.kind === 'branch');
    expect(trunks).toHaveLength(2);
    for (const branch of branches) {
      expect(trunks.map((trunk) => trunk.id)).toContain(branch.trunkId);
      expect(branch.vlanId).toBeGreaterThan(0);
      expect(branch.tags[clusterTagKey('quickstart')]).toBe('owned');
      expect(branch.tags['vpcresources.k8s.aws/vlan-id']).toBe(String(branch.vlanId));
    }
    expect(report.podReadySeconds.p50).toBeLessThanOrEqual(report.podReadySeconds.p99);
    expect(report.podReadySeconds.p99).toBeLessThanOrEqual(report.podReadySeconds.max);
  });

  it('flags an interface given to two pods', async () => {
    const simulation = new Simulation(scenario(), 1);
    simulation.clock.schedule(100_000, () => {
      // A controller bug copies one pod's annotation onto another (anyone else is stopped by the
      // annotation webhook).
      const annotation = simulation.cluster.podAnnotations('default', 'web-1')?.[
        POD_ENI_ANNOTATION
      ];
      if (annotation === undefined) throw new Error('web-1 should be annotated by now');
      void simulation.cluster.setPodAnnotations(
        'default',
        'web-2',
        { [POD_ENI_ANNOTATION]: annotation },
        { username: 'system:serviceaccount:kube-system:podsg-controller' },
      );
    });
    const report = await simulation.run();
    expect(report.violations.join('\n')).toMatch(
      /eni-\w+ is given to both default\/web-\d and default\/web-\d/,
    );
  });

  it('counts a branch interface that nobody owns as leaked', async () => {
    const simulation = new Simulation(scenario(), 1);
    simulation.clock.schedule(590_000, () => {
      void simulation.ec2.createNetworkInterface({
        subnetId: quickstart.cluster.subnets[0]?.id ?? '',
        groupIds: ['sg-0123456789abcdef0'],
        description: 'aws-k8s-branch-eni',
        tags: {},
        interfaceType: 'branch',
        clientToken: 'stray',
      });
    });
    const report = await simulation.run();
    expect(report.leakedInterfaces).toBe(1);
  });

  it('runs the baseline strategy without reuse', async () => {
    const report = await new Simulation(
      scenario({ controller: { ...quickstart.controller, strategy: 'baseline' } }),
      1,
    ).run();
    expect(report.violations).toEqual([]);
    const deleted = report.pods
      .filter((pod) => pod.removedAt !== null)
      .map((pod) => pod.branch?.eniId);
    const successors = report.pods.filter((pod) => pod.name.startsWith('web-next-'));
    for (const pod of successors) expect(deleted).not.toContain(pod.branch?.eniId);
    expect(report.ec2Calls['DeleteNetworkInterface']).toBeGreaterThanOrEqual(4);
  });
  it('with confirmed release, replacement pods get the released interfaces seconds later instead of new ones', async () => {
    // On one node, four web pods deleted at 30 s, four more created at 40 s: well inside the
    // 60 s cooldown.
    const replace = (confirmRelease: boolean): Scenario =>
      scenario({
        cluster: {
          ...quickstart.cluster,
          nodes: quickstart.cluster.nodes.filter((node) => node.name === 'node-a'),
        },
        controller: { ...quickstart.controller, cooldownSeconds: 60 },
        nodeAgent: { confirmRelease },
        objects: quickstart.objects.filter((object) => object['kind'] !== 'Pod'),
        timeline: [
          { ...step(0), generatePods: webPods('old') },
          {
            ...step(30),
            delete: [1, 2, 3, 4].map((n) => ({
              kind: 'Pod' as const,
              namespace: 'default',
              name: `old-${String(n)}`,
            })),
          },
          { ...step(40), generatePods: webPods('new') },
        ],
        until: 120,
      });
    const [plain, confirmed] = await Promise.all([
      new Simulation(replace(false), 1).run(),
      new Simulation(replace(true), 1).run(),
    ]);
    const eniIds = (report: typeof plain, prefix: string): string[] =>
      report.pods
        .filter((pod) => pod.name.startsWith(prefix))
        .map((pod) => pod.branch?.eniId ?? '')
        .sort();
    for (const report of [plain, confirmed]) {
      expect(report.violations).toEqual([]);
      expect(report.podsWaitingForBranch).toBe(0);
    }
    expect(eniIds(confirmed, 'new-')).toEqual(eniIds(confirmed, 'old-'));
    expect(eniIds(plain, 'new-')).not.toEqual(eniIds(plain, 'old-'));
    expect(confirmed.confirmedRelease).toEqual({ releasesConfirmed: 4, cooldownsExpired: 0 });
    expect(plain.confirmedRelease).toBeUndefined();
    expect(confirmed.ec2Calls['CreateNetworkInterface']).toBe(
      (plain.ec2Calls['CreateNetworkInterface'] ?? 0) - 4,
    );
  });
});

function step(at: number): TimelineStep {
  return { at, apply: [], delete: [], restartController: false, generatePods: null };
}

function webPods(prefix: string): TimelineStep['generatePods'] {
  return {
    count: 4,
    namespace: 'default',
    prefix,
    labels: { app: 'web' },
    serviceAccountName: 'default',
  };
}
