import { readFile } from 'node:fs/promises';
import { parse, stringify } from 'yaml';
import { FakeCluster, FakeEc2 } from '@podsg/adapters-fake';
import { SystemClock } from '@podsg/adapters-aws';
import { EC2_API_NAMES } from '@podsg/allocator';
import type { ClusterApi } from '@podsg/allocator';
import { PodsgdCliError } from '../cli/errors/PodsgdCliError.js';
import { InMemoryLeaseClient } from '../controller/leader/InMemoryLeaseClient.js';
import type { Ec2PermissionPreflight } from '../controller/ports/Ec2PermissionPreflight.js';
import type { WebhookConfigurationKind } from '../controller/ports/WebhookCaBundleApi.js';
import { isKnownInstanceType } from '../simulate/calculations/isKnownInstanceType.js';
import { parseScenario } from '../simulate/calculations/parseScenario.js';
import type { KubernetesApis } from './productionAdapters.js';

/**
 * Development only (`--fake-cloud FILE`): the in-memory `FakeEc2` and `FakeCluster` of a
 * scenario file's `cluster` section (and its `objects`; `until` and `timeline` are not used), on the wall clock, inside the podsgd
 * process. The Kubernetes ports the fakes lack (leases, webhook CA bundles, CNINode) are kept
 * in memory here and readable for tests; node annotations go to the `FakeCluster`, so the
 * controller sees the agents' confirmed releases. With the HTTP emulators,
 * `podsgd dev` replaces this by the production adapters pointed at them.
 */
export class FakeCloud {
  readonly clock = new SystemClock();
  readonly ec2: FakeEc2;
  readonly cluster: FakeCluster;
  readonly leases = new InMemoryLeaseClient();
  /** `kind/name` → the CA written by `setWebhookCaBundle`. */
  readonly caBundles = new Map<string, string>();
  /** Nodes whose CNINode carries `SecurityGroupsForPods`. */
  readonly cniNodeFeatures = new Set<string>();
  readonly #objects: readonly Record<string, unknown>[];

  private constructor(text: string, file: string) {
    let scenario;
    try {
      scenario = parseScenario(withUntil(text), { isKnownInstanceType });
    } catch (error) {
      throw new PodsgdCliError(
        'InvalidInput',
        `--fake-cloud ${file}: ${error instanceof Error ? error.message : String(error)}`,
        file,
      );
    }
    const { cluster, ec2 } = scenario;
    this.ec2 = new FakeEc2({
      clock: this.clock,
      vpc: cluster.vpc,
      subnets: cluster.subnets,
      securityGroups: cluster.securityGroups,
      ...(ec2.latencyMs === null ? {} : { latencyMs: ec2.latencyMs }),
      throttle: ec2.throttle,
      faults: ec2.faults,
      visibilityDelayMs: ec2.visibilityDelayMs,
    });
    this.cluster = new FakeCluster({ clock: this.clock });
    for (const node of cluster.nodes) {
      const instance = this.ec2.addInstance({
        instanceType: node.instanceType,
        subnetId: node.subnet,
      });
      this.cluster.addNode({
        name: node.name,
        instanceId: instance.instanceId,
        instanceType: node.instanceType,
        labels: node.labels,
      });
    }
    this.#objects = scenario.objects;
  }

  /** Reads and validates the scenario file, builds the cloud and applies its `objects`. */
  static async fromFile(file: string): Promise<FakeCloud> {
    const text = await readFile(file, 'utf8').catch((cause: unknown) => {
      throw new PodsgdCliError(
        'Unreadable',
        `--fake-cloud ${file}: ${cause instanceof Error ? cause.message : String(cause)}`,
        file,
      );
    });
    const cloud = new FakeCloud(text, file);
    for (const object of cloud.#objects) await cloud.cluster.applyObject(object);
    return cloud;
  }

  /** Every Kubernetes port over the fake cluster and the in-memory stores above. */
  kubernetes(): KubernetesApis {
    const cluster: ClusterApi = this.cluster;
    return {
      list: () => cluster.list(),
      watch: (listener) => cluster.watch(listener),
      annotatePod: (pod, annotations) => cluster.annotatePod(pod, annotations),
      setNodeCapacity: (node, resource, quantity) =>
        cluster.setNodeCapacity(node, resource, quantity),
      recordEvent: (event) => cluster.recordEvent(event),
      serviceAccountLabels: (namespace, name) => cluster.serviceAccountLabels(namespace, name),
      getLease: (namespace, name) => this.leases.getLease(namespace, name),
      createLease: (namespace, name, spec) => this.leases.createLease(namespace, name, spec),
      updateLease: (namespace, name, spec, version) =>
        this.leases.updateLease(namespace, name, spec, version),
      setWebhookCaBundle: (kind: WebhookConfigurationKind, name, pem) => {
        this.caBundles.set(`${kind}/${name}`, pem);
        return Promise.resolve();
      },
      labelNode: (node, labels) => {
        this.cluster.labelNode(node, labels);
        return Promise.resolve();
      },
      ensureCniNodeFeature: (node) => {
        this.cniNodeFeatures.add(node);
        return Promise.resolve();
      },
      annotateNode: (node, annotations) => {
        this.cluster.annotateNode(node, annotations);
        return Promise.resolve();
      },
      close: () => undefined,
    };
  }

  /** Node annotations by node name (written through `annotateNode`), for tests. */
  get nodeAnnotations(): Map<string, Map<string, string>> {
    return new Map(
      this.cluster.nodes().map((node) => [node.name, new Map(Object.entries(node.annotations))]),
    );
  }

  /** FakeEc2 has no IAM: every action is allowed, and the report says it is a fake. */
  preflight(): Ec2PermissionPreflight {
    return {
      preflight: () =>
        Promise.resolve({
          actions: EC2_API_NAMES.map((action) => ({
            action,
            allowed: true,
            message: 'FakeEc2 (no IAM)',
          })),
          trunkingAllowed: true,
        }),
    };
  }
}

/** A scenario's `until` is required by the simulator and meaningless here: supply one if absent. */
function withUntil(text: string): string {
  let document: unknown;
  try {
    document = parse(text);
  } catch {
    return text; // parseScenario reports the syntax error.
  }
  if (
    typeof document !== 'object' ||
    document === null ||
    Array.isArray(document) ||
    'until' in document
  ) {
    return text;
  }
  return stringify({ ...document, until: '1h' });
}
