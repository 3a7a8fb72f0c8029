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
export { hostVethName } from './calculations/hostVethName.js';
export { parseCniEnvironment } from './calculations/parseCniEnvironment.js';
export { parseNetworkConfig } from './calculations/parseNetworkConfig.js';
export { planNodeSetup } from './calculations/planNodeSetup.js';
export { planPodNetwork } from './calculations/planPodNetwork.js';
export { planPodTeardown } from './calculations/planPodTeardown.js';

// Services
export { runCniCommand } from './services/runCniCommand.js';
