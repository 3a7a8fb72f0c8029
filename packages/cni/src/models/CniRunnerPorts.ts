import type { DelegatePluginRunner } from '../ports/DelegatePluginRunner.js';
import type { HostFacts } from '../ports/HostFacts.js';
import type { NodeAgentClient } from '../ports/NodeAgentClient.js';
import type { PodNetworkApplier } from '../ports/PodNetworkApplier.js';

/** The ports `runCniCommand` drives. */
export interface CniRunnerPorts {
  agent: NodeAgentClient;
  applier: PodNetworkApplier;
  delegate: DelegatePluginRunner;
  host: HostFacts;
  /** Receives one line per notable event (never stdout: stdout carries the CNI result). */
  log?: (line: string) => void;
}

/** What a CNI invocation prints on stdout and exits with. */
export interface CniRunOutcome {
  stdout: string;
  exitCode: number;
}
