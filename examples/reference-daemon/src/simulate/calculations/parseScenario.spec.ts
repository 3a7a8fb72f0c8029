import { describe, expect, it } from 'vitest';
import { ScenarioError } from '../models/ScenarioError.js';
import { parseScenario } from './parseScenario.js';

const context = {
  isKnownInstanceType: (type: string) => ['c5.4xlarge', 't3.micro'].includes(type),
};

const designExample = `
cluster:
  name: demo
  vpc: { id: vpc-0a1b2c3d, cidr: 10.0.0.0/16 }
  subnets: [{ id: subnet-0a1b2c3d, cidr: 10.0.0.0/20 }]
  securityGroups: [sg-0123456789abcdef0, sg-0fedcba9876543210]
  nodes:
    - { name: node-a, instanceType: c5.4xlarge, subnet: subnet-0a1b2c3d }
ec2:
  latencyMs: { min: 40, max: 300 }
  throttle: { CreateNetworkInterface: { capacity: 50, refillPerSecond: 5 } }
  faults: [{ api: AssociateTrunkInterface, rate: 0.05 }]
controller:
  strategy: podsg
  cooldownSeconds: 60
  workers: 30
  ec2ClientQps: 12
  ec2ClientBurst: 18
objects:
  - apiVersion: vpcresources.k8s.aws/v1beta1
    kind: SecurityGroupPolicy
    metadata: { name: web, namespace: default }
    spec:
      podSelector: { matchLabels: { app: web } }
      securityGroups: { groupIds: [sg-0123456789abcdef0] }
timeline:
  - at: 30s
    apply: []
  - at: 90s
    delete: [{ kind: Pod, namespace: default, name: web-1 }]
  - at: 100s
    restartController: true
  - at: 120s
    generatePods: { count: 100, namespace: default, prefix: api, labels: { app: api }, serviceAccountName: default }
until: 600s
`;

function issuesOf(text: string): { path: string; message: string }[] {
  try {
    parseScenario(text, context);
  } catch (error) {
    if (ScenarioError.is(error)) return [...error.issues];
    throw error;
  }
  throw new Error('expected the scenario to be refused');
}

describe('parseScenario', () => {
  it('reads the documented example with times in simulated seconds', () => {
    const scenario = parseScenario(designExample, context);
    expect(scenario.until).toBe(600);
    expect(scenario.timeline.map((step) => step.at)).toEqual([30, 90, 100, 120]);
    expect(scenario.timeline[2]?.restartController).toBe(true);
    expect(scenario.timeline[3]?.generatePods).toEqual({
      count: 100,
      namespace: 'default',
      prefix: 'api',
      labels: { app: 'api' },
      serviceAccountName: 'default',
    });
    expect(scenario.ec2.throttle.CreateNetworkInterface).toEqual({
      capacity: 50,
      refillPerSecond: 5,
    });
    expect(scenario.ec2.faults).toEqual([{ api: 'AssociateTrunkInterface', rate: 0.05 }]);
    expect(scenario.controller).toMatchObject({
      strategy: 'podsg',
      cooldownSeconds: 60,
      workers: 30,
    });
    expect(scenario.cluster.nodes[0]?.labels).toEqual({
      'vpc.amazonaws.com/has-trunk-attached': 'true',
    });
    expect(scenario.objects).toHaveLength(1);
  });

  it('leaves optional sections at their defaults', () => {
    const minimal = designExample
      .replace(/^ec2:[\s\S]*?(?=^objects:)/m, '')
      .replace(/^timeline:[\s\S]*?(?=^until:)/m, '');
    const scenario = parseScenario(minimal, context);
    expect(scenario.ec2).toEqual({
      latencyMs: null,
      throttle: {},
      faults: [],
      visibilityDelayMs: 1000,
    });
    expect(scenario.controller.strategy).toBe('podsg');
    expect(scenario.controller.cooldownSeconds).toBeNull();
    expect(scenario.nodeAgent).toEqual({ confirmRelease: false });
    expect(scenario.timeline).toEqual([]);
  });

  it('reads nodeAgent.confirmRelease', () => {
    const text = designExample.replace('objects:', 'nodeAgent: { confirmRelease: true }\nobjects:');
    expect(parseScenario(text, context).nodeAgent).toEqual({ confirmRelease: true });
  });

  it('reads controller.moveBranches and controller.releaseWaitSeconds (default: null, the controller defaults)', () => {
    expect(parseScenario(designExample, context).controller).toMatchObject({
      moveBranches: null,
      releaseWaitSeconds: null,
    });
    const text = designExample.replace(
      'ec2ClientBurst: 18',
      'ec2ClientBurst: 18\n  moveBranches: false\n  releaseWaitSeconds: 9',
    );
    expect(parseScenario(text, context).controller).toMatchObject({
      moveBranches: false,
      releaseWaitSeconds: 9,
    });
  });

  it('reads controller.warmPool (default: none)', () => {
    expect(parseScenario(designExample, context).controller.warmPool).toBeNull();
    const text = designExample.replace(
      'ec2ClientBurst: 18',
      'ec2ClientBurst: 18\n  warmPool: { branchesPerNode: 4, idleSeconds: 900 }',
    );
    expect(parseScenario(text, context).controller.warmPool).toEqual({
      branchesPerNode: 4,
      idleSeconds: 900,
    });
  });

  it.each([
    [
      'a moveBranches that is not a boolean',
      'ec2ClientBurst: 18',
      'ec2ClientBurst: 18\n  moveBranches: sometimes',
      'controller.moveBranches',
    ],
    [
      'a warm pool of no branches',
      'ec2ClientBurst: 18',
      'ec2ClientBurst: 18\n  warmPool: { branchesPerNode: 0 }',
      'controller.warmPool.branchesPerNode',
    ],
    [
      'an unknown warm pool field',
      'ec2ClientBurst: 18',
      'ec2ClientBurst: 18\n  warmPool: { branchesPerNode: 2, size: 3 }',
      'controller.warmPool.size',
    ],
    [
      'a negative releaseWaitSeconds',
      'ec2ClientBurst: 18',
      'ec2ClientBurst: 18\n  releaseWaitSeconds: -1',
      'controller.releaseWaitSeconds',
    ],
    [
      'an unknown instance type',
      'instanceType: c5.4xlarge',
      'instanceType: c9.huge',
      'cluster.nodes[0].instanceType',
    ],
    [
      'a node in an undeclared subnet',
      'subnet: subnet-0a1b2c3d }',
      'subnet: subnet-99999999 }',
      'cluster.nodes[0].subnet',
    ],
    ['a malformed group id', 'sg-0fedcba9876543210]', 'sg-XYZ]', 'cluster.securityGroups[1]'],
    [
      'a cooldown under 30 s',
      'cooldownSeconds: 60',
      'cooldownSeconds: 10',
      'controller.cooldownSeconds',
    ],
    ['an unknown strategy', 'strategy: podsg', 'strategy: fastest', 'controller.strategy'],
    [
      'an unknown EC2 API to throttle',
      'throttle: { CreateNetworkInterface',
      'throttle: { CreateENI',
      'ec2.throttle.CreateENI',
    ],
    ['a fault rate above 1', 'rate: 0.05', 'rate: 5', 'ec2.faults[0].rate'],
    ['a bad duration', 'until: 600s', 'until: ten minutes', 'until'],
    ['timeline steps out of order', 'at: 100s', 'at: 10s', 'timeline[2].at'],
    ['a step after the end', 'at: 120s', 'at: 700s', 'timeline[3].at'],
    ['an unknown object kind', 'kind: SecurityGroupPolicy', 'kind: Deployment', 'objects[0].kind'],
    [
      'an invalid policy',
      'groupIds: [sg-0123456789abcdef0]',
      'groupIds: []',
      'objects[0].spec.securityGroups.groupIds',
    ],
    ['an unknown top-level field', 'until: 600s', 'until: 600s\nuntill: 10s', 'untill'],
    [
      'a confirmRelease that is not a boolean',
      'objects:',
      'nodeAgent: { confirmRelease: yes please }\nobjects:',
      'nodeAgent.confirmRelease',
    ],
    [
      'an unknown nodeAgent field',
      'objects:',
      'nodeAgent: { confirmReleases: true }\nobjects:',
      'nodeAgent.confirmReleases',
    ],
    ['zero generated pods', 'count: 100', 'count: 0', 'timeline[3].generatePods.count'],
  ])('refuses %s, naming the field', (_what, from, to, path) => {
    const text = designExample.replace(from, to);
    expect(text).not.toBe(designExample);
    expect(issuesOf(text).map((issue) => issue.path)).toContain(path);
  });

  it('reports every problem at once', () => {
    const text = designExample
      .replace('instanceType: c5.4xlarge', 'instanceType: c9.huge')
      .replace('until: 600s', 'until: -1');
    expect(issuesOf(text).map((issue) => issue.path)).toEqual([
      'cluster.nodes[0].instanceType',
      'until',
    ]);
  });

  it('refuses files that are not one YAML mapping', () => {
    expect(issuesOf('')[0]?.path).toBe('(file)');
    expect(issuesOf('- a\n- b\n')[0]).toEqual({ path: '(file)', message: 'must be a mapping' });
    expect(issuesOf('a: [\n')[0]?.message).toMatch(/^YAML:/);
  });
});
