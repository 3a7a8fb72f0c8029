import type { DelegateOutcome, DelegatePluginRunner } from '@podsg/cni';

/** One run of a delegated plugin, as `FakeDelegatePluginRunner.calls` records it. */
export interface FakeDelegateCall {
  type: string;
  env: Readonly<Record<string, string>>;
  /** The network configuration the plugin received on stdin, parsed. */
  config: Record<string, unknown>;
}

/**
 * A delegated CNI plugin (`DelegatePluginRunner`) that records every run and answers with
 * `outcome`, so tests can check what podsg hands to the primary CNI and how it treats the answer.
 */
export class FakeDelegatePluginRunner implements DelegatePluginRunner {
  /** Every run, in order. */
  readonly calls: FakeDelegateCall[] = [];
  /** What the plugin prints and how it exits; a success with an empty result by default. */
  outcome: DelegateOutcome = { stdout: '{"cniVersion":"1.0.0","ips":[]}', exitCode: 0 };

  run(
    type: string,
    env: Readonly<Record<string, string>>,
    stdin: string,
  ): Promise<DelegateOutcome> {
    this.calls.push({ type, env, config: JSON.parse(stdin) as Record<string, unknown> });
    return Promise.resolve(this.outcome);
  }
}
