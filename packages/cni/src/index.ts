// Models
export type { AgentPodAnswer } from './models/AgentPodAnswer.js';
export type { BranchAttachment } from './models/BranchAttachment.js';
export type { CniArgs, CniCommand, CniEnvironment } from './models/CniEnvironment.js';
export type {
  CniDns,
  CniErrorResult,
  CniInterface,
  CniIpConfig,
  CniResult,
  CniRoute,
  CniVersionResult,
} from './models/CniResult.js';
export type { CniRunnerPorts, CniRunOutcome } from './models/CniRunnerPorts.js';
export type {
  AddressState,
  LinkState,
  NeighbourState,
  NetworkSnapshot,
  RouteState,
  RuleState,
} from './models/NetworkSnapshot.js';
export { SUPPORTED_CNI_VERSIONS } from './models/NetworkConfig.js';
export type {
  CniAttachmentRef,
  CniVersion,
  DelegateConfig,
  EnforcingMode,
  NetworkConfig,
} from './models/NetworkConfig.js';
export type {
  NftChain,
  NftRule,
  NftTable,
  NodeSetupInput,
  NodeSetupPlan,
} from './models/NodeSetupPlan.js';
export type { PodNetworkInput, PodTeardownInput } from './models/PodNetworkInput.js';
export type { Ns, PlanStep, RoutePlan, Table } from './models/RoutePlan.js';

// Ports
export type { DelegateOutcome, DelegatePluginRunner } from './ports/DelegatePluginRunner.js';
export type { HostFacts } from './ports/HostFacts.js';
export type { NodeAgentClient } from './ports/NodeAgentClient.js';
export type { PodNetworkApplier, PodSandbox } from './ports/PodNetworkApplier.js';

// Errors
export { CNI_ERROR_CODES, CniError } from './errors/CniError.js';
export type { CniErrorKind } from './errors/CniError.js';

// Calculations
export { delegateNetworkConfig } from './calculations/delegateNetworkConfig.js';
export { diffPlanAgainstSnapshot } from './calculations/diffPlanAgainstSnapshot.js';
export { formatCniError } from './calculations/formatCniError.js';
export { hostVethName, STRICT_MODE_VETH_PREFIX } from './calculations/hostVethName.js';
export {
  cidrContainsAddress,
  formatIpv4,
  formatIpv6,
  formatIpv6Value,
  ipv4BlockContains,
  ipv4BlocksOverlap,
  parseCidr,
  parseIpAddress,
  parseIpv4Cidr,
  parseIpv6Cidr,
  parseMac,
} from './calculations/ipAddress.js';
export type { Cidr, IpAddress, Ipv4Block, Ipv6Block } from './calculations/ipAddress.js';
export { parseCniArgs, parseCniEnvironment } from './calculations/parseCniEnvironment.js';
export {
  cniVersionAtLeast,
  parseNetworkConfig,
  peekCniVersion,
} from './calculations/parseNetworkConfig.js';
export {
  attachmentOfAlias,
  findAttachmentOfHostVeth,
  planGarbageCollection,
} from './calculations/planGarbageCollection.js';
export type { GarbageCollectionPlan } from './calculations/planGarbageCollection.js';
export {
  NODE_FIREWALL_TABLE,
  NODE_PORT_MARK,
  planNodeSetup,
} from './calculations/planNodeSetup.js';
export { planPodNetwork, vlanAttachmentAlias } from './calculations/planPodNetwork.js';
export { planPodTeardown } from './calculations/planPodTeardown.js';
export { BRANCH_GATEWAY_V6, POD_GATEWAY_V4, POD_GATEWAY_V6 } from './calculations/podAddressing.js';
export { podNetworkResult } from './calculations/podNetworkResult.js';
export { randomLocalMac } from './calculations/randomLocalMac.js';
export { sha1Hex } from './calculations/sha1Hex.js';
export { teardownInputFromPrevResult } from './calculations/teardownInputFromPrevResult.js';
export type { PrevResultAttachment } from './calculations/teardownInputFromPrevResult.js';
export {
  branchRouteTable,
  vlanDeviceName,
  vlanIdOfDeviceName,
} from './calculations/vlanDeviceName.js';

// Services
export { runCniCommand } from './services/runCniCommand.js';
