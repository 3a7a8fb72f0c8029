import { FakeCluster, FakeEc2, SeededRandom, VirtualClock } from '@podsg/adapters-fake';
import type { FakeClusterOptions, FakeEc2Options } from '@podsg/adapters-fake';
import { BranchController, HAS_TRUNK_ATTACHED_LABEL, POD_ENI_ANNOTATION } from '../index.js';
import type { BranchControllerOptions, PodEniAttachment } from '../index.js';
import { decodePodEniAnnotation } from '../index.js';

/** Security groups of the test VPC. */
export const SG_WEB = 'sg-0123456789abcdef0';
export const SG_DB = 'sg-0fedcba9876543210';
export const SG_NODE = 'sg-00000000000000001';
export const SUBNET = 'subnet-0a1b2c3d';

/** A cluster, a VPC, a clock and a controller wired together, with helpers. */
export interface World {
  clock: VirtualClock;
  ec2: FakeEc2;
  cluster: FakeCluster;
  controller: BranchController;
  /** Replaces the controller with a fresh one (memory thrown away) and starts it. */
  restart: (options?: Partial<BranchControllerOptions>) => Promise<void>;
  /** Moves the clock `seconds` forward. */
  run: (seconds: number) => Promise<void>;
  addNode: (name: string, instanceType?: string, labelled?: boolean) => string;
  createPod: (
    name: string,
    labels?: Record<string, string>,
    extra?: Record<string, unknown>,
  ) => Promise<void>;
  annotation: (name: string) => PodEniAttachment | null;
  branches: () => ReturnType<FakeEc2['interfaces']>;
  uid: (name: string) => string;
  reasons: () => string[];
}

export async function world(
  options: Partial<BranchControllerOptions> = {},
  ec2Options: Partial<FakeEc2Options> = {},
  start = true,
  clusterOptions: Partial<FakeClusterOptions> = {},
): Promise<World> {
  const clock = new VirtualClock();
  const ec2 = new FakeEc2({
    clock,
    seed: 7,
    vpc: { id: 'vpc-0a1b2c3d', cidr: '10.0.0.0/16' },
    subnets: [{ id: SUBNET, cidr: '10.0.0.0/20' }],
    securityGroups: [SG_WEB, SG_DB, SG_NODE],
    latencyMs: { min: 20, max: 80 },
    ...ec2Options,
  });
  const cluster = new FakeCluster({ clock, seed: 3, ...clusterOptions });
  cluster.applyPolicy(policy('web', { app: 'web' }, [SG_WEB]));
  cluster.applyPolicy(policy('db', { app: 'db' }, [SG_DB]));
  const random = new SeededRandom(11);
  const make = (extra: Partial<BranchControllerOptions> = {}): BranchController =>
    new BranchController({
      networkInterfaces: ec2,
      cluster,
      clock,
      options: { clusterName: 'demo', random: () => random.next(), ...options, ...extra },
    });
  const w: World = {
    clock,
    ec2,
    cluster,
    controller: make(),
    restart: async (extra) => {
      await w.controller.stop();
      w.controller = make(extra);
      const started = w.controller.start();
      await clock.advance(1_000);
      await started;
    },
    run: (seconds) => clock.advance(seconds * 1000),
    addNode: (name, instanceType = 'c5.large', labelled = true) => {
      const instance = ec2.addInstance({ instanceType, subnetId: SUBNET, groupIds: [SG_NODE] });
      cluster.addNode({
        name,
        instanceId: instance.instanceId,
        instanceType,
        labels: labelled ? { [HAS_TRUNK_ATTACHED_LABEL]: 'true' } : {},
      });
      return instance.instanceId;
    },
    createPod: async (name, labels = { app: 'web' }, extra = {}) => {
      await cluster.createPod({
        metadata: { name, namespace: 'default', labels },
        spec: { containers: [{ name: 'app', image: 'nginx' }], ...extra },
      });
    },
    annotation: (name) => {
      const value = cluster.podAnnotations('default', name)?.[POD_ENI_ANNOTATION];
      return value === undefined ? null : (decodePodEniAnnotation(value)[0] ?? null);
    },
    branches: () => ec2.interfaces().filter((eni) => eni.interfaceType === 'branch'),
    uid: (name) => {
      const found = cluster.pods().find((pod) => pod.name === name);
      if (found === undefined) throw new Error(`no pod ${name}`);
      return found.uid;
    },
    reasons: () => cluster.events().map((event) => event.reason),
  };
  if (start) {
    const started = w.controller.start();
    await clock.advance(1_000);
    await started;
  }
  return w;
}

export function policy(
  name: string,
  labels: Record<string, string>,
  groupIds: string[],
  namespace = 'default',
) {
  return {
    apiVersion: 'vpcresources.k8s.aws/v1beta1',
    kind: 'SecurityGroupPolicy',
    metadata: { name, namespace },
    spec: { podSelector: { matchLabels: labels }, securityGroups: { groupIds } },
  };
}
