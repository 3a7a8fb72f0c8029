import { FakeCluster, FakeEc2 } from '@podsg/adapters-fake';
import type { Clock } from '@podsg/allocator';
import type { Scenario } from '../models/Scenario.js';

/** The two models of a scenario's cloud. */
export interface ScenarioCloud {
  readonly ec2: FakeEc2;
  readonly cluster: FakeCluster;
}

/**
 * `FakeEc2` and `FakeCluster` of a scenario's `cluster` and `ec2` sections, on `clock`: the VPC,
 * subnets, groups and EC2 behaviour (latency, throttling, faults, visibility delay), and each
 * node both an EC2 instance of its type in its subnet and a cluster Node with its labels. Used by
 * `podsgd simulate` (virtual time, seeded) and `--fake-cloud` (wall clock).
 *
 * @param seed - seed of both models' ids and draws; their default when omitted
 */
export function buildScenarioCloud(
  scenario: Pick<Scenario, 'cluster' | 'ec2'>,
  clock: Clock,
  seed?: number,
): ScenarioCloud {
  const { cluster, ec2 } = scenario;
  const seeded = seed === undefined ? {} : { seed };
  const fakeEc2 = new FakeEc2({
    clock,
    ...seeded,
    vpc: cluster.vpc,
    subnets: cluster.subnets,
    securityGroups: cluster.securityGroups,
    ...(ec2.latencyMs === null ? {} : { latencyMs: ec2.latencyMs }),
    throttle: ec2.throttle,
    faults: ec2.faults,
    visibilityDelayMs: ec2.visibilityDelayMs,
  });
  const fakeCluster = new FakeCluster({ clock, ...seeded });
  for (const node of cluster.nodes) {
    const instance = fakeEc2.addInstance({
      instanceType: node.instanceType,
      subnetId: node.subnet,
    });
    fakeCluster.addNode({
      name: node.name,
      instanceId: instance.instanceId,
      instanceType: node.instanceType,
      labels: node.labels,
    });
  }
  return { ec2: fakeEc2, cluster: fakeCluster };
}
