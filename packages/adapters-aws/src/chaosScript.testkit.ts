// What the two chaos tests of the production adapters share: the policies, pumping virtual time
// so real HTTP round trips complete, the script of pods and restarts, and the checks at the end.
import { expect } from 'vitest';
import { POD_ENI_ANNOTATION, decodePodEniAnnotation } from '@podsg/allocator';
import type { BranchController } from '@podsg/allocator';
import type { FakeCluster, FakeEc2, VirtualClock } from '@podsg/adapters-fake';

export const SUBNET = 'subnet-0a1b2c3d';
export const SG_WEB = 'sg-0123456789abcdef0';
export const SG_DB = 'sg-0fedcba9876543210';

/** The controller options of both tests: short cooldown, recycling and GC. */
export const CHAOS_CONTROLLER_OPTIONS = {
  clusterName: 'demo',
  cooldownSeconds: 30,
  recycleSeconds: 60,
  gcIntervalSeconds: 60,
} as const;

/** A SecurityGroupPolicy giving pods labelled `app` the group `groupId`. */
export const policy = (name: string, app: string, groupId: string) => ({
  apiVersion: 'vpcresources.k8s.aws/v1beta1',
  kind: 'SecurityGroupPolicy',
  metadata: { name, namespace: 'default' },
  spec: { podSelector: { matchLabels: { app } }, securityGroups: { groupIds: [groupId] } },
});

/**
 * Advances virtual time by `seconds` in 200 ms steps with a real millisecond between them, so
 * HTTP round trips complete while timers (backoff, cooldown, GC) run fast.
 */
export async function pump(clock: VirtualClock, seconds: number): Promise<void> {
  const end = clock.now() + seconds * 1000;
  while (clock.now() < end) {
    await clock.advance(200);
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

/** Pumps time until `promise` settles, then returns (or throws) what it settled with. */
export async function pumpUntil<T>(clock: VirtualClock, promise: Promise<T>): Promise<T> {
  const state = { done: false };
  const settled = promise.finally(() => {
    state.done = true;
  });
  // Observed here too, so a rejection is not unhandled while time is pumped.
  settled.catch(() => undefined);
  while (!state.done) await pump(clock, 1);
  return settled;
}

/**
 * The script: 20 pods (web and db), a restart, 10 deleted and 6 created, another restart, 200 s
 * with faults, then `quiet()` (the faults off) and 400 s to converge.
 */
export async function runChaosScript(run: {
  clock: VirtualClock;
  cluster: FakeCluster;
  restart: () => Promise<void>;
  quiet: () => void;
}): Promise<void> {
  const { clock, cluster } = run;
  const createPod = (name: string, app: string) =>
    cluster.createPod({
      metadata: { name, namespace: 'default', labels: { app } },
      spec: { containers: [{ name: 'app', image: 'nginx' }] },
    });
  for (let i = 0; i < 20; i++) await createPod(`web-${i}`, i % 2 === 0 ? 'web' : 'db');
  await pump(clock, 20);
  await run.restart();
  for (let i = 0; i < 10; i++)
    await cluster.deletePod('default', `web-${i}`, { gracePeriodSeconds: 0 });
  for (let i = 20; i < 26; i++) await createPod(`web-${i}`, 'web');
  await pump(clock, 15);
  await run.restart();
  await pump(clock, 200);
  run.quiet();
  await pump(clock, 400);
}

/**
 * The guarantees at the end of the script: each of the 16 live pods annotated with an interface
 * of its own, no branch interface the controller cannot explain, no VLAN id used twice on a trunk.
 */
export function expectWiredAndClean(end: {
  cluster: FakeCluster;
  ec2: FakeEc2;
  controller: BranchController;
}): void {
  const { cluster, ec2, controller } = end;
  const annotation = (name: string) => {
    const value = cluster.podAnnotations('default', name)?.[POD_ENI_ANNOTATION];
    return value === undefined ? null : (decodePodEniAnnotation(value)[0] ?? null);
  };
  const live = cluster.pods().filter((pod) => pod.podEniRequest > 0 && pod.nodeName !== null);
  expect(live).toHaveLength(16);
  for (const pod of live) expect(annotation(pod.name), pod.name).not.toBeNull();
  const owners = live.map((pod) => annotation(pod.name)?.eniId);
  expect(new Set(owners).size, 'an interface given to two pods').toBe(owners.length);
  const explained = new Set(
    controller
      .inspect()
      .branches.filter((b) => b.state === 'cooling' || b.state === 'held' || b.pod !== null)
      .map((b) => b.eniId),
  );
  const leaked = ec2
    .interfaces()
    .filter((eni) => eni.interfaceType === 'branch' && !explained.has(eni.networkInterfaceId));
  expect(leaked).toEqual([]);
  const seen = new Set<string>();
  for (const association of ec2.associations()) {
    const key = `${association.trunkInterfaceId}/${association.vlanId}`;
    expect(seen.has(key), `VLAN ${key} used twice`).toBe(false);
    seen.add(key);
  }
}
