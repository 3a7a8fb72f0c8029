// ─────────────────────────────────────────────────────────────────────────────────────────────
// PRODUCTION ADAPTER FACTORIES — filled in when the production adapters are merged.
//
// Each function below is the single place where podsgd builds a production adapter from its
// configuration. They throw until `Ec2NetworkInterfaceApi`, `preflightEc2Permissions` and
// `KubernetesClusterApi` (@podsg/adapters-aws) are part of the build; everything else of the
// daemon is real and runs today with `--fake-cloud`.
// ─────────────────────────────────────────────────────────────────────────────────────────────
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

function notInThisBuild(adapter: string, flag: string): never {
  throw new PodsgdCliError(
    'Usage',
    `${adapter} is not available in this build of podsgd; run with --fake-cloud <scenario.yaml> (development) ` +
      `or a build that includes the production adapters (${flag})`,
  );
}

/**
 * PRODUCTION: `new Ec2NetworkInterfaceApi({ region, endpoint: ec2Endpoint, clusterName,
 * userAgentSuffix: 'podsg/<version>' })` (credentials from the SDK's default chain).
 */
export function createEc2Api(_settings: Ec2AdapterSettings): NetworkInterfaceApi {
  return notInThisBuild('Ec2NetworkInterfaceApi', '--region, --ec2-endpoint');
}

/** PRODUCTION: `preflightEc2Permissions(api, { clusterName, vpcId })` behind the port. */
export function createEc2Preflight(
  _api: NetworkInterfaceApi,
  _settings: Ec2AdapterSettings,
): Ec2PermissionPreflight {
  return notInThisBuild('preflightEc2Permissions', '--region, --ec2-endpoint');
}

/**
 * PRODUCTION: `new KubernetesClusterApi({ kubeConfig, nodeName, controllerUsername })`, the
 * kubeConfig loaded from `settings.kubeconfig` or `loadFromCluster()`.
 */
export function createKubernetesApis(_settings: KubernetesAdapterSettings): KubernetesApis {
  return notInThisBuild('KubernetesClusterApi', '--kubeconfig');
}
