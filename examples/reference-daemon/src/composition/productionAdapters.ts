// The production adapter factories: the single place where podsgd builds `Ec2NetworkInterfaceApi`,
// `preflightEc2Permissions` and `KubernetesClusterApi` (@podsg/adapters-aws) from its configuration.
import {
  Ec2NetworkInterfaceApi,
  KubernetesClusterApi,
  KubernetesHttpClient,
  loadKubeConfig,
  preflightEc2Permissions,
} from '@podsg/adapters-aws';
import type { ClusterApi, NetworkInterfaceApi } from '@podsg/allocator';
import { PodsgdCliError } from '../cli/errors/PodsgdCliError.js';
import type { NodeRegistrationApi } from '../agent/ports/NodeRegistrationApi.js';
import type { ReleaseConfirmationApi } from '../agent/ports/ReleaseConfirmationApi.js';
import type { Ec2PermissionPreflight } from '../controller/ports/Ec2PermissionPreflight.js';
import type { LeaseClient } from '../controller/ports/LeaseClient.js';
import type { WebhookCaBundleApi } from '../controller/ports/WebhookCaBundleApi.js';

/** What the EC2 adapter is built from (controller settings). */
export interface Ec2AdapterSettings {
  readonly clusterName: string;
  readonly region: string | undefined;
  readonly ec2Endpoint: string | undefined;
}

/** What the Kubernetes adapter is built from. */
export interface KubernetesAdapterSettings {
  /** A kubeconfig file, or undefined for the in-cluster service account. */
  readonly kubeconfig: string | undefined;
  /** Scope pods to this node (the node agent). */
  readonly nodeName?: string;
  /** The user the pod-eni annotation guard lets write (the controller). */
  readonly controllerUsername?: string;
}

/** Every Kubernetes port podsgd uses; `KubernetesClusterApi` implements them all. */
export type KubernetesApis = ClusterApi &
  LeaseClient &
  WebhookCaBundleApi &
  NodeRegistrationApi &
  ReleaseConfirmationApi & {
    /** Stops every watch. */
    close(): Promise<void> | void;
  };

/**
 * `Ec2NetworkInterfaceApi` for the region (and endpoint override) of the settings, credentials
 * from the SDK's default chain (environment, IRSA web identity, instance metadata), user agent
 * `podsg/<version>`.
 */
export function createEc2Api(settings: Ec2AdapterSettings): Ec2NetworkInterfaceApi {
  if (settings.region === undefined) {
    throw new PodsgdCliError('Usage', '--region (or environment AWS_REGION) is required');
  }
  return new Ec2NetworkInterfaceApi({
    region: settings.region,
    clusterName: settings.clusterName,
    ...(settings.ec2Endpoint === undefined ? {} : { endpoint: settings.ec2Endpoint }),
  });
}

/** `preflightEc2Permissions` behind the daemon's port, on the same SDK client as the adapter. */
export function createEc2Preflight(
  api: NetworkInterfaceApi,
  _settings: Ec2AdapterSettings,
): Ec2PermissionPreflight {
  if (!(api instanceof Ec2NetworkInterfaceApi)) {
    throw new PodsgdCliError('Usage', 'the EC2 preflight needs the production EC2 adapter');
  }
  return { preflight: () => preflightEc2Permissions(api) };
}

/**
 * `KubernetesClusterApi` on the kubeconfig file of the settings, or the in-cluster service
 * account when there is none. Node annotations (confirmed releases) are merge patches on the
 * same connection.
 */
export function createKubernetesApis(settings: KubernetesAdapterSettings): KubernetesApis {
  let kubeConfig;
  try {
    kubeConfig = loadKubeConfig(
      settings.kubeconfig === undefined ? { inCluster: true } : { file: settings.kubeconfig },
    );
  } catch (error) {
    throw new PodsgdCliError(
      'Usage',
      `--kubeconfig (or KUBECONFIG; none: the in-cluster service account): ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  const transport = new KubernetesHttpClient(kubeConfig, { userAgent: 'podsg' });
  const api = new KubernetesClusterApi({
    kubeConfig,
    transport,
    ...(settings.nodeName === undefined ? {} : { nodeName: settings.nodeName }),
    ...(settings.controllerUsername === undefined
      ? {}
      : { controllerUsername: settings.controllerUsername }),
  });
  const closeWatches = api.close.bind(api);
  return Object.assign(api, {
    annotateNode: async (
      nodeName: string,
      annotations: Readonly<Record<string, string | null>>,
    ): Promise<void> => {
      await transport.request({
        method: 'PATCH',
        path: `/api/v1/nodes/${encodeURIComponent(nodeName)}`,
        body: { metadata: { annotations } },
        contentType: 'application/merge-patch+json',
        operation: `annotate node ${nodeName}`,
      });
    },
    close: async (): Promise<void> => {
      await closeWatches();
      transport.close();
    },
  });
}
