/**
 * `@podsg/adapters-fake`: faithful in-memory models of what podsg drives — an EC2 region
 * (`FakeEc2`), a Kubernetes API server with podsg's webhooks and a scheduler (`FakeCluster`), a
 * Linux network stack (`FakeKernel`) — the discrete-event `VirtualClock` they run on, and
 * `FakeKubernetesServer`, which serves `FakeCluster` over the Kubernetes REST API to real clients.
 */
export { VirtualClock } from './services/VirtualClock.js';
export type { RunUntilIdleOptions } from './services/VirtualClock.js';
export { SeededRandom } from './services/SeededRandom.js';
export { FakeEc2 } from './services/FakeEc2.js';
export { FakeEc2Server, EC2_API_VERSION, statusOfEc2Code } from './ec2-server/FakeEc2Server.js';
export type {
  Ec2ServerFaultRule,
  Ec2ServerPermissions,
  Ec2ServerRequest,
  FakeEc2ServerOptions,
} from './ec2-server/FakeEc2Server.js';
export type { Ec2Credentials } from './ec2-server/verifySigV4.js';
export type {
  FakeSecurityGroup,
  FakeSecurityGroupRule,
  IpPermission,
} from './models/FakeSecurityGroup.js';
export type { Ec2Call, Ec2CallOutcome } from './models/Ec2Call.js';
export type {
  Ec2FaultRule,
  Ec2ThrottleRule,
  FakeEc2Options,
  FakeSecurityGroupSpec,
  FakeSubnetSpec,
  InstanceNetworkLimits,
} from './models/FakeEc2Options.js';
export { FakeCluster } from './services/FakeCluster.js';
export type {
  ClusterApiMethod,
  ClusterFaultRule,
  FakeClusterOptions,
} from './models/FakeClusterOptions.js';
export type { FakeClusterEvent } from './models/FakeClusterEvent.js';
export { FakeReleaseConfirmer } from './services/FakeReleaseConfirmer.js';
export type { FakeReleaseConfirmerOptions } from './services/FakeReleaseConfirmer.js';
export type { FakeNodeState } from './models/FakeNodeState.js';
export type { FakePodState } from './models/FakePodState.js';
export { FakeKernel } from './services/FakeKernel.js';
export { FakeNodeAgent } from './services/FakeNodeAgent.js';
export { FakeDelegatePluginRunner } from './services/FakeDelegatePluginRunner.js';
export type { FakeDelegateCall } from './services/FakeDelegatePluginRunner.js';
export type {
  FakeHostLink,
  FakeKernelOptions,
  KernelFaultErrno,
  KernelFaultRule,
} from './models/FakeKernelOptions.js';
export type { KubernetesObject } from './models/KubernetesObject.js';
export type { FakeClusterObjectChange, FakeResource } from './models/FakeClusterObjectChange.js';
export { FakeKubernetesServer } from './kubernetes-server/FakeKubernetesServer.js';
export type {
  FakeKubernetesServerOptions,
  FakeKubernetesUser,
  KubernetesFaultRule,
  KubernetesVerb,
} from './kubernetes-server/models/FakeKubernetesServerOptions.js';
export type { AdmissionCall } from './kubernetes-server/internal/admissionWebhooks.js';
export { issueTlsCertificates } from './kubernetes-server/issueTlsCertificates.js';
export type { TlsCertificates } from './kubernetes-server/issueTlsCertificates.js';
export { startEmulators } from './emulators/startEmulators.js';
export type {
  EmulatedClusterSpec,
  Emulators,
  StartEmulatorsOptions,
} from './emulators/startEmulators.js';
export { compileFabricRuleset } from './vpc-fabric/compileFabricRuleset.js';
export type { FabricInterface, FabricRulesetInput } from './vpc-fabric/FabricRulesetInput.js';
export { planFabric } from './vpc-fabric/planFabric.js';
export type {
  FabricAttachment,
  FabricLink,
  FabricModelView,
  FabricPlan,
} from './vpc-fabric/planFabric.js';
export { KernelVpcFabric } from './vpc-fabric/KernelVpcFabric.js';
export type { KernelVpcFabricEvent, KernelVpcFabricOptions } from './vpc-fabric/KernelVpcFabric.js';
