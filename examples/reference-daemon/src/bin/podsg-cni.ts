// The `podsg-cni` CNI plugin as a Node.js process: what the forwarding shim (cni-shim/podsg-cni.c)
// runs when no node agent answers its `POST /v1/cni`, and the plugin itself where no shim is
// built. The container runtime may run it once per pod operation, so start-up
// stays lean: it is bundled into one module (scripts/bundle-cni.js), only @podsg/cni and node
// built-ins run up front, the Linux applier and node:child_process on first use; never a DI
// container, YAML, a CLI framework or an SDK. stdout carries the CNI result
// and nothing else; logs go to `logFile`.
import { readFileSync, writeSync } from 'node:fs';
import { CniError, formatCniError, peekCniVersion } from '@podsg/cni';
import type { CniRunOutcome, NetworkConfig } from '@podsg/cni';
import { CniPathDelegatePluginRunner } from '../cni/CniPathDelegatePluginRunner.js';
import { LazyPodNetworkApplier } from '../cni/LazyPodNetworkApplier.js';
import { NodeHostFacts } from '../cni/NodeHostFacts.js';
import { runPodsgCni } from '../cni/runPodsgCni.js';
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

async function main(): Promise<CniRunOutcome> {
  let stdin = '';
  try {
    stdin = await readStdin();
  } catch (cause) {
    // The spec's error carries the configuration's version; without one, the newest podsg speaks.
    const error = formatCniError(peekCniVersion(stdin) ?? '1.1.0', cause);
    return { stdout: `${JSON.stringify(error)}\n`, exitCode: 1 };
  }
  return runPodsgCni(process.env, stdin, (config: NetworkConfig) => ({
    agent: new UnixSocketNodeAgentClient({ socketPath: config.agentSocket }),
    // Loaded only when the kernel is touched: VERSION and delegated pods never need it.
    applier: new LazyPodNetworkApplier(async () => {
      const { Iproute2PodNetworkApplier } = await import('@podsg/adapters-aws/linux');
      return new Iproute2PodNetworkApplier();
    }),
    delegate: new CniPathDelegatePluginRunner(),
    host: new NodeHostFacts(),
  }));
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
