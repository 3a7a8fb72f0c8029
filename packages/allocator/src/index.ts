export { AllocatorError } from './errors/AllocatorError.js';
export type { AllocatorErrorKind } from './errors/AllocatorError.js';
export type { Clock } from './ports/Clock.js';
export type { ClusterApi, ClusterSnapshot } from './ports/ClusterApi.js';
export type { NetworkInterfaceApi, NetworkInterfaceFilter } from './ports/NetworkInterfaceApi.js';
export type {
  Instance,
  NetworkInterface,
  NetworkInterfaceAttachment,
  NetworkInterfaceStatus,
  NetworkInterfaceType,
  Subnet,
  TrunkAssociation,
} from './models/NetworkInterface.js';
export type {
  ClusterChange,
  ClusterEvent,
  ClusterNode,
  ClusterPod,
  ClusterServiceAccount,
  ObjectReference,
} from './models/ClusterObjects.js';
export {
  BRANCH_DESCRIPTION,
  CLUSTER_TAG_PREFIX,
  CLUSTER_TAG_VALUE,
  HAS_TRUNK_ATTACHED_LABEL,
  NODE_TAG,
  POD_ENI_ANNOTATION,
  POD_ENI_RESOURCE,
  POD_UID_TAG,
  MAX_RELEASED_BRANCHES,
  RELEASED_BRANCHES_ANNOTATION,
  TRUNK_DESCRIPTION,
  TRUNK_ENI_ID_TAG,
  VLAN_ID_TAG,
  clusterTagKey,
} from './models/wellKnownNames.js';
export { BranchController } from './controllers/BranchController.js';
export type { BranchControllerDependencies } from './controllers/BranchController.js';
export type {
  BranchControllerOptions,
  BranchStrategy,
  ResolvedBranchControllerOptions,
  WarmPoolOptions,
} from './models/BranchControllerOptions.js';
export type {
  BranchControllerEvents,
  BranchEventDetail,
  DeletionReason,
  PodRef,
} from './models/BranchControllerEvents.js';
export type { BranchView, ControllerInspection, NodeView } from './models/ControllerInspection.js';
export type { ControllerStats } from './models/ControllerStats.js';
export type { BranchState } from './models/BranchState.js';
export type { InstanceLimits } from './models/InstanceLimits.js';
export type { ReleasedBranch, ReleasedBranchesParse } from './models/ReleasedBranch.js';
export type {
  PodEniAttachment,
  PodEniBranch,
  PodEniBranchParse,
} from './models/PodEniAttachment.js';
export type { CallPriority, Ec2ApiName, RateLimits, TokenBucketShape } from './models/RateLimit.js';
export { EC2_API_NAMES, MUTATING_EC2_APIS } from './models/RateLimit.js';
export { instanceLimits } from './calculations/instanceLimits.js';
export { kindOfEc2Code } from './calculations/kindOfEc2Code.js';
export { backoffDelay } from './calculations/backoffDelay.js';
export type { BackoffPolicy } from './calculations/backoffDelay.js';
export { TokenBucket } from './services/TokenBucket.js';
export {
  decodePodEniAnnotation,
  encodePodEniAnnotation,
  parsePodEniAnnotation,
  parsePodEniBranch,
} from './calculations/podEniAnnotation.js';
export { parseReleasedBranches } from './calculations/releasedBranches.js';
