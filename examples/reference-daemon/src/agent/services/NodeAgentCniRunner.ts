import { CniError, formatCniError, peekCniVersion } from '@podsg/cni';
import type {
  CniRunOutcome,
  DelegatePluginRunner,
  HostFacts,
  NodeAgentClient,
  PodNetworkApplier,
} from '@podsg/cni';
import { Iproute2PodNetworkApplier } from '@podsg/adapters-aws/linux';
import { CniPathDelegatePluginRunner } from '../../cni/CniPathDelegatePluginRunner.js';
import { NodeHostFacts } from '../../cni/NodeHostFacts.js';
import { runPodsgCni } from '../../cni/runPodsgCni.js';
import { parseCniCall } from '../calculations/parseCniCall.js';

/** Options of `NodeAgentCniRunner`; production passes only `agent`. */
export interface NodeAgentCniRunnerOptions {
  /** Answers the plugin's pod questions (in the agent: `PodSourceAgentClient`). */
  agent: NodeAgentClient;
  /** Wires the pods (default: `Iproute2PodNetworkApplier`, in the agent's network namespace). */
  applier?: PodNetworkApplier;
  /** Runs the delegate (default: found on the call's `CNI_PATH`, as the runtime would). */
  delegate?: DelegatePluginRunner;
  host?: HostFacts;
}

/**
 * Runs the CNI calls the forwarding shim hands to the agent (`POST /v1/cni`): the same
 * `runCniCommand` as the Node.js plugin, in the agent's process, so a pod start costs no Node.js
 * start. Calls run concurrently, each with its own environment; the ports hold no per-call
 * state. The delegate runs as a child of the agent, so it sees the agent's mounts (the manifests
 * mount the host paths a delegate uses at the same paths).
 */
export class NodeAgentCniRunner {
  readonly #agent: NodeAgentClient;
  readonly #applier: PodNetworkApplier;
  readonly #delegate: DelegatePluginRunner;
  readonly #host: HostFacts;

  constructor(options: NodeAgentCniRunnerOptions) {
    this.#agent = options.agent;
    this.#applier = options.applier ?? new Iproute2PodNetworkApplier();
    this.#delegate = options.delegate ?? new CniPathDelegatePluginRunner();
    this.#host = options.host ?? new NodeHostFacts();
  }

  /**
   * One call from its request body (`parseCniCall`): what to print and the exit code. Never
   * throws: a malformed call is a CNI error (code 4) naming the variable.
   */
  async run(body: Uint8Array): Promise<CniRunOutcome> {
    let call;
    try {
      call = parseCniCall(body);
    } catch (error) {
      if (!CniError.is(error)) throw error;
      // The configuration's version, when the body got as far as the stdin.
      const envEnd = Buffer.from(body).indexOf('\0\0');
      const stdin = envEnd < 0 ? '' : Buffer.from(body.subarray(envEnd + 2)).toString('utf8');
      return {
        stdout: JSON.stringify(formatCniError(peekCniVersion(stdin) ?? '1.1.0', error)),
        exitCode: 1,
      };
    }
    return runPodsgCni(call.env, call.stdin, () => ({
      agent: this.#agent,
      applier: this.#applier,
      delegate: this.#delegate,
      host: this.#host,
    }));
  }
}
