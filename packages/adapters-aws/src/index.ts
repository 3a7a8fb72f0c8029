/**
 * `@podsg/adapters-aws`: production adapters of podsg's ports — EC2 through the AWS SDK
 * (`Ec2NetworkInterfaceApi`, `preflightEc2Permissions`), Kubernetes through client-node
 * (`KubernetesClusterApi`) and the monotonic `SystemClock`. Linux
 * networking lives in `@podsg/adapters-aws/linux`.
 */
export { SystemClock } from './clock/SystemClock.js';
export { KubernetesClusterApi } from './kubernetes/services/KubernetesClusterApi.js';
export type { KubernetesClusterApiOptions } from './kubernetes/models/KubernetesClusterApiOptions.js';
export type { LeaseRecord, LeaseSpec } from './kubernetes/models/LeaseRecord.js';
export { loadKubeConfig } from './kubernetes/services/loadKubeConfig.js';
export type { KubeConfigSource } from './kubernetes/services/loadKubeConfig.js';
export { KubernetesHttpClient } from './kubernetes/services/KubernetesHttpClient.js';
export type { KubernetesHttpClientOptions } from './kubernetes/services/KubernetesHttpClient.js';
export type { KubernetesTransport } from './kubernetes/models/KubernetesTransport.js';
export type { KubernetesRequest } from './kubernetes/models/KubernetesRequest.js';
export { kubernetesFailureOf } from './kubernetes/calculations/toAllocatorError.js';
export type { KubernetesFailure } from './kubernetes/models/KubernetesFailure.js';
export type { EventRecorderStats } from './kubernetes/services/EventRecorder.js';
export type { ResourceWatchStats } from './kubernetes/services/ResourceWatch.js';
export { SECURITY_GROUPS_FOR_PODS_FEATURE } from './kubernetes/calculations/extractClusterObjects.js';
export { Ec2NetworkInterfaceApi, PODSG_VERSION } from './ec2/Ec2NetworkInterfaceApi.js';
export type { Ec2NetworkInterfaceApiOptions } from './ec2/Ec2NetworkInterfaceApi.js';
export { ec2ErrorOf } from './ec2/ec2ErrorOf.js';
export { PREFLIGHT_ACTIONS, preflightEc2Permissions } from './ec2/preflightEc2Permissions.js';
export type {
  Ec2PreflightAction,
  Ec2PreflightContext,
  Ec2PreflightReport,
} from './ec2/preflightEc2Permissions.js';
