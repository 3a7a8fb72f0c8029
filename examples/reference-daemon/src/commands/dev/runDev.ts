import { resolve } from 'node:path';
import { PodsgdCliError } from '../../cli/errors/PodsgdCliError.js';
import type { CliContext } from '../../cli/models/CliContext.js';
import { DEFAULT_DEV_CLUSTER, DevEnvironment } from '../../dev/services/DevEnvironment.js';

/**
 * `podsgd dev`: starts the `DevEnvironment`, prints how to reach it and `podsgd dev: ready`,
 * and runs until SIGINT or SIGTERM, which stop every child process (exit status 0).
 */
export async function runDev(
  options: Readonly<Record<string, unknown>>,
  context: CliContext,
  environment: Readonly<Record<string, string | undefined>>,
): Promise<void> {
  const path = (value: unknown): string | undefined =>
    typeof value === 'string' ? resolve(context.cwd, value) : undefined;
  const stateDir = path(options['stateDir']) ?? resolve(context.cwd, '.podsgd-dev');
  const scenarioFile = path(options['scenario']);
  const faultsFile = path(options['faults']);
  const clusterFile = path(options['cluster']) ?? scenarioFile ?? DEFAULT_DEV_CLUSTER;
  const replicas = integer(options['replicas'], '--replicas', 1, 5);
  const ec2Port = integer(options['ec2Port'], '--ec2-port', 0, 65535);
  const kubernetesPort = integer(options['kubernetesPort'], '--kubernetes-port', 0, 65535);
  const say = (line: string): void => {
    context.stdout(`${line}\n`);
  };

  const state = { stopRequested: false };
  let dev: DevEnvironment | null = null;
  let wake: () => void = () => undefined;
  const stopped = new Promise<void>((resolve) => {
    wake = resolve;
  });
  const onSignal = (signal: NodeJS.Signals): void => {
    if (state.stopRequested) return;
    state.stopRequested = true;
    say(`podsgd dev: ${signal}: stopping every process`);
    wake();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    say(`podsgd dev: starting (cluster ${clusterFile}, state in ${stateDir})`);
    const starting = DevEnvironment.start({
      clusterFile,
      stateDir,
      ...(scenarioFile === undefined ? {} : { scenarioFile }),
      ...(faultsFile === undefined ? {} : { faultsFile }),
      replicas,
      ec2Port,
      kubernetesPort,
      env: environment,
      say,
    });
    dev = await Promise.race([starting, stopped.then(() => starting)]);
    if (!state.stopRequested) {
      say(
        [
          `podsgd dev: EC2 at ${dev.cloud.ec2.url}, Kubernetes at ${dev.cloud.kubernetes.url}`,
          `  export KUBECONFIG=${stateDir}/kubeconfig   # user "developer", not the controller`,
          `  set -a; . ${stateDir}/aws.env; set +a`,
          '  kubectl apply -f my-policy.yaml -f my-pod.yaml',
          "  kubectl get pod my-pod -o jsonpath='{.metadata.annotations.vpc\\.amazonaws\\.com/pod-eni}'",
          '  aws ec2 describe-network-interfaces --filters Name=interface-type,Values=branch',
          `  logs: ${stateDir}/logs/, processes: ${stateDir}/processes.json; Ctrl-C stops everything`,
          'podsgd dev: ready',
        ].join('\n'),
      );
      await stopped;
    }
  } finally {
    await dev?.stop();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  say('podsgd dev: stopped');
  context.setExitCode(0);
}

function integer(value: unknown, flag: string, min: number, max: number): number {
  const text = String(value);
  const parsed = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isInteger(parsed) || parsed < min || parsed > max) {
    throw new PodsgdCliError(
      'Usage',
      `${flag}: must be an integer from ${min} to ${max}, got "${text}"`,
    );
  }
  return parsed;
}
