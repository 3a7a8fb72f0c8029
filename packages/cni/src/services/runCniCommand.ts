import type { CniRunnerPorts, CniRunOutcome } from '../models/CniRunnerPorts.js';
import type { NetworkConfig } from '../models/NetworkConfig.js';

/** Runs one CNI invocation; never throws. */
export function runCniCommand(
  _env: Readonly<Record<string, string | undefined>>,
  _stdin: string,
  _ports: CniRunnerPorts | ((config: NetworkConfig) => CniRunnerPorts),
): Promise<CniRunOutcome> {
  return Promise.resolve({ stdout: '', exitCode: 1 });
}
