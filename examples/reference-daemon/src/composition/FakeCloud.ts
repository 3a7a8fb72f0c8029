import { FakeCluster, FakeEc2 } from '@podsg/adapters-fake';
import { SystemClock } from '@podsg/adapters-aws';
import { EC2_API_NAMES } from '@podsg/allocator';
import type { ClusterApi } from '@podsg/allocator';
import { InMemoryLeaseClient } from '../controller/leader/InMemoryLeaseClient.js';
import type { Ec2PermissionPreflight } from '../controller/ports/Ec2PermissionPreflight.js';
import type { WebhookConfigurationKind } from '../controller/ports/WebhookCaBundleApi.js';
import { readScenarioFile } from '../simulate/io/readScenarioFile.js';
import { buildScenarioCloud } from '../simulate/services/buildScenarioCloud.js';
import type { Scenario } from '../simulate/models/Scenario.js';
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

  private constructor(scenario: Scenario) {
    const cloud = buildScenarioCloud(scenario, this.clock);
    this.ec2 = cloud.ec2;
    this.cluster = cloud.cluster;
    this.#objects = scenario.objects;
  }

  /** Reads and validates the scenario file, builds the cloud and applies its `objects`. */
  static async fromFile(file: string): Promise<FakeCloud> {
    // A scenario's `until` is required by the simulator and meaningless here.
    const scenario = await readScenarioFile(file, file, {
      flag: '--fake-cloud',
      defaultUntilSeconds: 3600,
    });
    const cloud = new FakeCloud(scenario);
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
      getPod: (namespace, name) => cluster.getPod(namespace, name),
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
