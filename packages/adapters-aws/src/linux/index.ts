// The Linux adapters of @podsg/cni's ports. Loaded by the `podsg-cni` binary on every pod start,
// so this module imports only node built-ins and @podsg/cni.
export { Iproute2PodNetworkApplier } from './services/Iproute2PodNetworkApplier.js';
export type { Iproute2Options } from './services/Iproute2PodNetworkApplier.js';
export { NftNodeFirewall } from './services/NftNodeFirewall.js';
export type { NftNodeFirewallOptions } from './services/NftNodeFirewall.js';
export { applyNodeSetup } from './services/applyNodeSetup.js';
export { spawnCommand } from './services/spawnCommand.js';
export type { CommandOutcome, CommandRunner } from './ports/CommandRunner.js';
export type { NodeFirewall } from './ports/NodeFirewall.js';
export { renderPlanStep } from './calculations/renderPlanStep.js';
export type { ExecNs, IpCommand, RenderedStep } from './calculations/renderPlanStep.js';
export { renderNftTable } from './calculations/renderNftTable.js';
export { parseIpSnapshot } from './calculations/parseIpSnapshot.js';
export type { IpJsonDocuments } from './calculations/parseIpSnapshot.js';
