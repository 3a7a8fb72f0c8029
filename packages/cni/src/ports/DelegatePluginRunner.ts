/** What a delegated CNI plugin printed and how it exited. */
export interface DelegateOutcome {
  stdout: string;
  exitCode: number;
}

/**
 * Runs another CNI plugin (the `delegate` of the network configuration) for pods that need no
 * branch interface, so podsg sits beside any primary CNI.
 *
 * The plugin binary named `pluginType` is looked up on `CNI_PATH` and run with `env` (the same
 * CNI environment podsg-cni received) and `stdin` (the delegate's network configuration).
 * Throws `CniError` of kind `DelegateNotFound` when no such executable is on `CNI_PATH`;
 * a plugin that runs and fails is not an exception: its outcome is returned as is.
 */
export interface DelegatePluginRunner {
  run(
    pluginType: string,
    env: Readonly<Record<string, string>>,
    stdin: string,
  ): Promise<DelegateOutcome>;
}
