import type { Clock } from '@podsg/allocator';
import { AllocatorError } from '@podsg/allocator';
import { FakeEc2Server } from '../ec2-server/FakeEc2Server.js';
import type { Ec2ServerFaultRule, Ec2ServerPermissions } from '../ec2-server/FakeEc2Server.js';
import type { Ec2Credentials } from '../ec2-server/verifySigV4.js';
import { FakeKubernetesServer } from '../kubernetes-server/FakeKubernetesServer.js';
import type { KubernetesFaultRule } from '../kubernetes-server/models/FakeKubernetesServerOptions.js';
import type { FakeClusterOptions } from '../models/FakeClusterOptions.js';
import type { FakeEc2Options } from '../models/FakeEc2Options.js';
import { FakeCluster } from '../services/FakeCluster.js';
import { FakeEc2 } from '../services/FakeEc2.js';

/**
 * The `cluster` section of a scenario file (the reference daemon's `parseScenario` produces it):
 * one VPC, its subnets and security groups, and the nodes, each an EC2 instance of its type in
 * its subnet.
 */
export interface EmulatedClusterSpec {
  readonly name: string;
  readonly vpc: { readonly id: string; readonly cidr: string };
  readonly subnets: readonly { readonly id: string; readonly cidr: string }[];
  readonly securityGroups: readonly string[];
  readonly nodes: readonly {
    readonly name: string;
    readonly instanceType: string;
    readonly subnet: string;
    /** Node labels (added to the usual hostname, OS, instance-type and zone labels). */
    readonly labels?: Readonly<Record<string, string>>;
  }[];
}

/** Options of `startEmulators`. */
export interface StartEmulatorsOptions {
  cluster: EmulatedClusterSpec;
  /** TCP port of the EC2 Query front; 0 (default) picks a free one. */
  ec2Port?: number;
  /** TCP port of the Kubernetes API front (HTTPS); 0 (default) picks a free one. */
  kubernetesPort?: number;
  /** Loopback address both listen on; default `127.0.0.1`. */
  host?: string;
  /** EC2 region; default `us-west-2`. Nodes live in its zone `<region>a`. */
  region?: string;
  /** The keys EC2 requests must be signed with; default `FakeEc2Server`'s fixed pair. */
  credentials?: Ec2Credentials;
  /** Time of both models; default the wall clock (`Date.now`), so objects carry real dates. */
  clock?: Clock;
  /** Seed of ids, UIDs and fault draws; default 1. */
  seed?: number;
  /**
   * Run podsg's webhooks inside the model on pod writes (default false): the API server then
   * calls only the webhooks registered by `MutatingWebhookConfiguration` /
   * `ValidatingWebhookConfiguration` objects, as a real one does.
   */
  builtInAdmission?: boolean;
  /** More options of the EC2 model (throttling, latency, model faults, visibility delay). */
  ec2Model?: Omit<FakeEc2Options, 'clock' | 'vpc' | 'subnets' | 'securityGroups' | 'seed'>;
  /** More options of the cluster model (scheduling delay, termination time, controller users). */
  clusterModel?: Omit<FakeClusterOptions, 'clock' | 'seed' | 'admission'>;
  /** Wire faults of the EC2 front (throttling, 5xx, dropped or lost replies). */
  ec2Faults?: readonly Ec2ServerFaultRule[];
  /** What the EC2 credentials may do; default everything. */
  ec2Permissions?: Ec2ServerPermissions;
  /** Wire faults of the Kubernetes front (429, 5xx, dropped watches, lost replies). */
  kubernetesFaults?: readonly KubernetesFaultRule[];
  /** Changes kept for resuming watches (older ones get 410 Gone); default 10,000. */
  watchHistory?: number;
  /** How often watches that ask for bookmarks get one; default 60,000 ms. */
  bookmarkIntervalMs?: number;
}

/** One emulated cloud: an EC2 region and a Kubernetes API server over the same nodes. */
export interface Emulators {
  ec2: {
    /** `http://127.0.0.1:PORT`: the `AWS_ENDPOINT_URL_EC2` of the AWS CLI and SDKs. */
    url: string;
    region: string;
    credentials: Ec2Credentials;
    server: FakeEc2Server;
  };
  kubernetes: {
    /** `https://127.0.0.1:PORT`. */
    url: string;
    /** The CA certificate (PEM) the server's certificate chains to. */
    caPem: string;
    /** A kubeconfig (YAML text) for `user`, added on first use (`admin` is `system:masters`). */
    kubeconfig(user: string): string;
    server: FakeKubernetesServer;
  };
  fakeEc2: FakeEc2;
  fakeCluster: FakeCluster;
  /** Stops both servers (every connection and watch). Idempotent. */
  close(): Promise<void>;
}

/**
 * Starts one emulated cloud from a scenario's `cluster` section: `FakeEc2` with the VPC,
 * subnets and groups behind `FakeEc2Server` (EC2 Query protocol, SigV4), and `FakeCluster`
 * behind `FakeKubernetesServer` (HTTPS). Each node is an EC2 instance of its type in its subnet
 * and a Kubernetes Node with `spec.providerID` `aws:///<region>a/<instanceId>` and the
 * instance-type and zone labels, as a kubelet on EC2 registers it. Throws `AllocatorError`
 * `Invalid` naming the node or subnet when the spec does not hold together; nothing is left
 * listening then.
 */
export async function startEmulators(options: StartEmulatorsOptions): Promise<Emulators> {
  const { cluster } = options;
  const region = options.region ?? 'us-west-2';
  const zone = `${region}a`;
  const clock = options.clock ?? wallClock;
  const seed = options.seed ?? 1;
  const subnetIds = new Set(cluster.subnets.map((subnet) => subnet.id));
  for (const node of cluster.nodes) {
    if (!subnetIds.has(node.subnet)) {
      throw new AllocatorError(
        'Invalid',
        `startEmulators cluster.nodes[${node.name}].subnet: '${node.subnet}' is not a subnet of the cluster`,
      );
    }
  }
  const fakeEc2 = new FakeEc2({
    ...options.ec2Model,
    clock,
    seed,
    vpc: cluster.vpc,
    subnets: cluster.subnets,
    securityGroups: cluster.securityGroups,
  });
  const fakeCluster = new FakeCluster({
    ...options.clusterModel,
    clock,
    seed,
    admission: options.builtInAdmission ?? false,
  });
  for (const node of cluster.nodes) {
    const instance = fakeEc2.addInstance({
      instanceType: node.instanceType,
      subnetId: node.subnet,
    });
    fakeCluster.addNode({
      name: node.name,
      instanceId: instance.instanceId,
      instanceType: node.instanceType,
      zone,
      labels: node.labels ?? {},
    });
  }
  const host = options.host ?? '127.0.0.1';
  const ec2Server = await FakeEc2Server.start({
    ec2: fakeEc2,
    port: options.ec2Port ?? 0,
    host,
    region,
    seed,
    ...(options.credentials === undefined ? {} : { credentials: options.credentials }),
    ...(options.ec2Faults === undefined ? {} : { faults: options.ec2Faults }),
    ...(options.ec2Permissions === undefined ? {} : { permissions: options.ec2Permissions }),
  });
  let kubernetesServer: FakeKubernetesServer;
  try {
    kubernetesServer = await FakeKubernetesServer.start({
      cluster: fakeCluster,
      port: options.kubernetesPort ?? 0,
      host,
      seed,
      ...(options.kubernetesFaults === undefined ? {} : { faults: options.kubernetesFaults }),
      ...(options.watchHistory === undefined ? {} : { watchHistory: options.watchHistory }),
      ...(options.bookmarkIntervalMs === undefined
        ? {}
        : { bookmarkIntervalMs: options.bookmarkIntervalMs }),
    });
  } catch (error) {
    await ec2Server.close();
    throw error;
  }
  let closing: Promise<void> | null = null;
  return {
    ec2: {
      url: ec2Server.url,
      region: ec2Server.region,
      credentials: ec2Server.credentials,
      server: ec2Server,
    },
    kubernetes: {
      url: kubernetesServer.url,
      caPem: kubernetesServer.caPem ?? '',
      kubeconfig: (user) => kubernetesServer.kubeconfig(user),
      server: kubernetesServer,
    },
    fakeEc2,
    fakeCluster,
    close: () =>
      (closing ??= Promise.all([ec2Server.close(), kubernetesServer.close()]).then(
        () => undefined,
      )),
  };
}

/** The wall clock: creation timestamps and event times of the models are real dates. */
const wallClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted === true) {
        reject(new AllocatorError('Aborted', 'sleep aborted'));
        return;
      }
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      const onAbort = (): void => {
        clearTimeout(timer);
        reject(new AllocatorError('Aborted', 'sleep aborted'));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
    }),
};
