// The `podsg-cni` CNI plugin. The container runtime runs it once per pod operation, so start-up
// stays lean: it is bundled into one module (scripts/bundle-cni.js), only @podsg/cni and node
// built-ins run up front, the Linux applier and node:child_process on first use; never a DI
// container, YAML, a CLI framework or an SDK. stdout carries the CNI result
// and nothing else; logs go to `logFile`.
import { readFileSync, writeSync } from 'node:fs';
import { CniError, formatCniError, peekCniVersion, runCniCommand } from '@podsg/cni';
import type { CniRunnerPorts, CniRunOutcome, NetworkConfig } from '@podsg/cni';
import { appendFileLog } from '../cni/appendFileLog.js';
import { CniPathDelegatePluginRunner } from '../cni/CniPathDelegatePluginRunner.js';
import { LazyPodNetworkApplier } from '../cni/LazyPodNetworkApplier.js';
import { NodeHostFacts } from '../cni/NodeHostFacts.js';
import { UnixSocketNodeAgentClient } from '../cni/UnixSocketNodeAgentClient.js';

async function readStdin(): Promise<string> {
  try {
    // One read call for the common case: the runtime's pipe with the whole configuration.
    return readFileSync(0, 'utf8');
  } catch (cause) {
    // A non-blocking stdin (EAGAIN) must be read the asynchronous way; anything else is a failure.
    if ((cause as NodeJS.ErrnoException).code !== 'EAGAIN') {
      throw new CniError('IoFailure', 'cannot read the network configuration from stdin', {
        cause,
      });
    }
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  }
}

/**
 * The version to answer an error in when the runner could not: the config's (the spec's error
 * carries "the same value as provided by the configuration"), else the newest podsg speaks.
 */
function declaredCniVersion(stdin: string): string {
  return peekCniVersion(stdin) ?? '1.1.0';
}

function logPrefix(env: NodeJS.ProcessEnv): string {
  const args = new Map(
    (env.CNI_ARGS ?? '')
      .split(';')
      .map((pair) => pair.split('=', 2) as [string, string | undefined]),
  );
  const pod = `${args.get('K8S_POD_NAMESPACE') ?? '-'}/${args.get('K8S_POD_NAME') ?? '-'}`;
  return `${env.CNI_COMMAND ?? '-'} ${(env.CNI_CONTAINERID ?? '-').slice(0, 12)} ${pod}`;
}

async function main(): Promise<CniRunOutcome> {
  const started = process.hrtime.bigint();
  let stdin = '';
  let log: ((message: string) => void) | undefined;
  try {
    stdin = await readStdin();
    const outcome = await runCniCommand(process.env, stdin, (config: NetworkConfig) => {
      const ports: CniRunnerPorts = {
        agent: new UnixSocketNodeAgentClient({ socketPath: config.agentSocket }),
        // Loaded only when the kernel is touched: VERSION and delegated pods never need it.
        applier: new LazyPodNetworkApplier(async () => {
          const { Iproute2PodNetworkApplier } = await import('@podsg/adapters-aws/linux');
          return new Iproute2PodNetworkApplier();
        }),
        delegate: new CniPathDelegatePluginRunner(),
        host: new NodeHostFacts(),
      };
      if (config.logFile !== undefined) {
        log = appendFileLog({ path: config.logFile, prefix: logPrefix(process.env) });
        ports.log = log;
      }
      return ports;
    });
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    log?.(
      outcome.exitCode === 0
        ? `ok in ${ms.toFixed(1)} ms`
        : `failed with exit code ${outcome.exitCode} in ${ms.toFixed(1)} ms: ${outcome.stdout.trim()}`,
    );
    return outcome;
  } catch (cause) {
    // runCniCommand never throws; reading stdin can, and a bug must still answer in CNI form,
    // the same form as the runner's own errors (a bug: `Unexpected`, libcni's 999).
    const error = formatCniError(declaredCniVersion(stdin), cause);
    log?.(`failed with code ${error.code}: ${error.msg}`);
    return { stdout: `${JSON.stringify(error)}\n`, exitCode: 1 };
  }
}

/**
 * Writes `text` to fd 1 directly: `process.stdout` would first build a stream (for a pipe, a
 * net.Socket), a measurable share of a plugin run. A non-blocking stdout that is full (EAGAIN)
 * gets the rest through `process.stdout`, which waits for it.
 */
function writeStdout(text: string): Promise<void> {
  const bytes = Buffer.from(text, 'utf8');
  let written = 0;
  try {
    while (written < bytes.length) written += writeSync(1, bytes, written);
    return Promise.resolve();
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code !== 'EAGAIN') throw cause;
    return new Promise((resolve) => {
      process.stdout.write(bytes.subarray(written), () => {
        resolve();
      });
    });
  }
}

const outcome = await main();
try {
  await writeStdout(outcome.stdout);
} catch {
  // Nobody reads our answer (EPIPE): the exit code still tells.
}
// Exit now rather than when the event loop drains: nothing else is left to do.
process.exit(outcome.exitCode);
