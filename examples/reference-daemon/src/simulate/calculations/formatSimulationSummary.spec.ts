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
});
