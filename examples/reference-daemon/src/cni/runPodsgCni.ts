import { formatCniError, peekCniVersion, runCniCommand } from '@podsg/cni';
import type { CniRunnerPorts, CniRunOutcome, NetworkConfig } from '@podsg/cni';
import { appendFileLog } from './appendFileLog.js';

/** The ports of one podsg-cni call but the log, which `runPodsgCni` opens from `logFile`. */
export type PodsgCniPorts = Omit<CniRunnerPorts, 'log'>;

/** Words after the time on every log line of one call: command, container and pod. */
export function cniLogPrefix(env: Readonly<Record<string, string | undefined>>): string {
  const args = new Map(
    (env.CNI_ARGS ?? '')
      .split(';')
      .map((pair) => pair.split('=', 2) as [string, string | undefined]),
  );
  const pod = `${args.get('K8S_POD_NAMESPACE') ?? '-'}/${args.get('K8S_POD_NAME') ?? '-'}`;
  return `${env.CNI_COMMAND ?? '-'} ${(env.CNI_CONTAINERID ?? '-').slice(0, 12)} ${pod}`;
}

/**
 * One podsg-cni call, wherever it runs (the Node.js plugin process, or the node agent serving the
 * shim's `POST /v1/cni`): `runCniCommand` with the ports `portsFor` builds from the parsed
 * configuration, logging to the configuration's `logFile` (one line per event, then `ok in N ms`
 * or the failure). Never throws: a failure becomes a CNI error in the configuration's version (a
 * bug: `Unexpected`, libcni's 999).
 */
export async function runPodsgCni(
  env: Readonly<Record<string, string | undefined>>,
  stdin: string,
  portsFor: (config: NetworkConfig) => PodsgCniPorts,
): Promise<CniRunOutcome> {
  const started = performance.now();
  let log: ((message: string) => void) | undefined;
  try {
    const outcome = await runCniCommand(env, stdin, (config) => {
      const ports: CniRunnerPorts = portsFor(config);
      if (config.logFile !== undefined) {
        log = appendFileLog({ path: config.logFile, prefix: cniLogPrefix(env) });
        ports.log = log;
      }
      return ports;
    });
    const ms = performance.now() - started;
    log?.(
      outcome.exitCode === 0
        ? `ok in ${ms.toFixed(1)} ms`
        : `failed with exit code ${outcome.exitCode} in ${ms.toFixed(1)} ms: ${outcome.stdout.trim()}`,
    );
    return outcome;
  } catch (cause) {
    // runCniCommand never throws; a port factory can, and a bug must still answer in CNI form.
    const error = formatCniError(peekCniVersion(stdin) ?? '1.1.0', cause);
    log?.(`failed with code ${error.code}: ${error.msg}`);
    return { stdout: `${JSON.stringify(error)}\n`, exitCode: 1 };
  }
}
