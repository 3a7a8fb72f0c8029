import { describe, expect, it } from 'vitest';
import type { SimulatedPodReport, SimulationReport } from '../models/SimulationReport.js';
import { formatSimulationSummary } from './formatSimulationSummary.js';

function podReport(i: number): SimulatedPodReport {
  return {
    namespace: 'default',
    name: `pod-${i}`,
    uid: `uid-${i}`,
    node: 'node-a',
    groupIds: ['sg-0123456789abcdef0'],
    branch: { eniId: `eni-${i}`, vlanId: 1 + (i % 4094), privateIp: '10.0.0.1', ifAddress: 'x' },
    createdAt: 0,
    scheduledAt: 1,
    annotatedAt: 2,
    removedAt: null,
  };
}

function report(overrides: Partial<SimulationReport> = {}): SimulationReport {
  return {
    scenario: { cluster: 'demo', strategy: 'podsg', seed: 1, until: 600 },
    pods: [podReport(1)],
    networkInterfaces: [],
    ec2Calls: { CreateNetworkInterface: 1 },
    ec2Throttled: 0,
    ec2MutatingCalls: 1,
    ec2Faults: [],
    controllerRestarts: [],
    podReadySeconds: { p50: 2, p90: 2, p99: 2, max: 2 },
    podsWaitingForBranch: 0,
    podsPending: 0,
    leakedInterfaces: 0,
    violations: [],
    scenarioWarnings: [],
    events: [],
    ...overrides,
  };
}

describe('formatSimulationSummary', () => {
  it('prints 150,000 pods without overflowing the stack', () => {
    const pods = Array.from({ length: 150_000 }, (_, i) => podReport(i));
    const text = formatSimulationSummary(
      report({ pods, violations: Array.from({ length: 150_000 }, (_, i) => `v${i}`) }),
    );
    expect(text).toContain('Pods alive at the end: 150000');
    expect(text).toMatch(/^ {2}default\/pod-149999 +node-a/m);
    expect(text).toContain('Invariants VIOLATED (150000):');
  });

  it('shows injected EC2 faults and controller restarts with their counts and times', () => {
    const text = formatSimulationSummary(
      report({
        ec2Faults: [
          { api: 'AssociateTrunkInterface', count: 5, responsesLost: 2, firstAt: 2, lastAt: 2.6 },
          { api: 'CreateNetworkInterface', count: 1, responsesLost: 0, firstAt: 4, lastAt: 4 },
        ],
        controllerRestarts: [15, 80],
      }),
    );
    expect(text).toContain(
      'EC2 faults injected: 6 (2 after the change took effect: response lost)',
    );
    expect(text).toMatch(/^ {2}AssociateTrunkInterface +5 {2}2\.0 s … 2\.6 s$/m);
    expect(text).toMatch(/^ {2}CreateNetworkInterface +1 {2}at 4\.0 s$/m);
    expect(text).toContain('Controller restarts: 2, at 15 s, 80 s');
    const quiet = formatSimulationSummary(report());
    expect(quiet).not.toContain('EC2 faults');
    expect(quiet).not.toContain('Controller restarts');
  });

  it('folds repeated warnings into one line per reason with a count', () => {
    const events = Array.from({ length: 1_000 }, (_, i) => ({
      at: 20 + i / 10,
      object: `Pod/default/api-${i}`,
      type: 'Warning' as const,
      reason: 'FailedScheduling',
      message: '0/3 nodes are available: 3 Insufficient vpc.amazonaws.com/pod-eni.',
    }));
    events.splice(500, 0, {
      at: 70,
      object: 'Node/node-t3',
      type: 'Warning',
      reason: 'Unsupported',
      message: 'Node cannot take branch interfaces',
    });
    const text = formatSimulationSummary(
      report({
        events: [
          { at: 1, object: 'Pod/default/x', type: 'Normal', reason: 'Scheduled', message: 'ok' },
          ...events,
        ],
      }),
    );
    const warningLines = text.slice(text.indexOf('Warnings (')).split('\n\n')[0]?.split('\n');
    expect(warningLines).toEqual([
      'Warnings (1001, by reason; every event is in --json):',
      '  1000 × FailedScheduling  20.0 s … 119.9 s, first Pod/default/api-0: 0/3 nodes are available: 3 Insufficient vpc.amazonaws.com/pod-eni.',
      '     70.0 s  Node/node-t3  Unsupported: Node cannot take branch interfaces',
    ]);
  });
});
