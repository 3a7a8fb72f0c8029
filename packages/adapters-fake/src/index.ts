/**
 * `@podsg/adapters-fake`: faithful in-memory models of what podsg drives — an EC2 region
 * (`FakeEc2`), a Kubernetes API server with podsg's webhooks and a scheduler (`FakeCluster`), a
 * Linux network stack (`FakeKernel`) — and the discrete-event `VirtualClock` they run on.
 */
export { VirtualClock } from './services/VirtualClock.js';
export type { RunUntilIdleOptions } from './services/VirtualClock.js';
export { SeededRandom } from './services/SeededRandom.js';
export { FakeEc2 } from './services/FakeEc2.js';
export { kindOfEc2Code } from './calculations/kindOfEc2Code.js';
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
