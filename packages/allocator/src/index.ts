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
  TRUNK_DESCRIPTION,
  TRUNK_ENI_ID_TAG,
  VLAN_ID_TAG,
  clusterTagKey,
} from './models/wellKnownNames.js';
