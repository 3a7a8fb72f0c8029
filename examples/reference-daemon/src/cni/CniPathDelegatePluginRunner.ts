import { accessSync, constants as fsConstants, statSync } from 'node:fs';
import { join } from 'node:path';
import { CniError } from '@podsg/cni';
import type { DelegateOutcome, DelegatePluginRunner } from '@podsg/cni';

/** A plugin type is a file name on `CNI_PATH`, never a path: nothing outside `CNI_PATH` runs. */
const PLUGIN_TYPE = /^[A-Za-z0-9_][A-Za-z0-9_.+-]*$/;

/**
 * `DelegatePluginRunner` that runs the delegate plugin as the CNI spec runs plugins: the first
 * executable named `pluginType` in the colon-separated directories of `env.CNI_PATH`, with `env`
 * as its whole environment and `stdin` as its network configuration. Its stderr is passed through
 * to ours (the container runtime logs it); its stdout is returned.
 *
 * `node:child_process` is loaded on first use, so plugin runs that never delegate do not pay for it.
 */
export class CniPathDelegatePluginRunner implements DelegatePluginRunner {
  /**
   * Throws `CniError` of kind `InvalidConfig` when `pluginType` is not a plain name, `DelegateNotFound`
   * when no directory of `CNI_PATH` holds it, and `DelegateFailed` when it cannot be started.
   */
  async run(
    pluginType: string,
    env: Readonly<Record<string, string>>,
    stdin: string,
  ): Promise<DelegateOutcome> {
    if (!PLUGIN_TYPE.test(pluginType) || pluginType.includes('..')) {
      throw new CniError(
        'InvalidConfig',
        `delegate.type ${JSON.stringify(pluginType)} must be a plugin name, not a path`,
        { details: 'delegate.type' },
      );
    }
    const executable = findOnCniPath(pluginType, env.CNI_PATH ?? '');
    return runExecutable(executable, pluginType, env, stdin);
  }
}

/** Synchronous on purpose: a few stat calls, and node:fs/promises would cost a module load. */
function findOnCniPath(pluginType: string, cniPath: string): string {
  const dirs = cniPath.split(':').filter((dir) => dir !== '');
  for (const dir of dirs) {
    const candidate = join(dir, pluginType);
    try {
      accessSync(candidate, fsConstants.X_OK);
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      // Not here (or not executable): try the next directory, as a shell PATH search would.
    }
  }
  throw new CniError(
    'DelegateNotFound',
    `delegate plugin "${pluginType}" is not an executable file in CNI_PATH ${JSON.stringify(cniPath)}`,
    { details: pluginType },
  );
}

async function runExecutable(
  executable: string,
  pluginType: string,
  env: Readonly<Record<string, string>>,
  stdin: string,
): Promise<DelegateOutcome> {
  const [{ spawn }, { constants: osConstants }] = await Promise.all([
    import('node:child_process'),
    import('node:os'),
  ]);
  return new Promise<DelegateOutcome>((resolve, reject) => {
    const child = spawn(executable, [], { env: { ...env }, stdio: ['pipe', 'pipe', 'inherit'] });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
    });
    // A plugin may exit without reading its configuration; that is its outcome, not our error.
    child.stdin.on('error', () => undefined);
    child.on('error', (cause) => {
      reject(
        new CniError(
          'DelegateFailed',
          `delegate plugin ${executable} could not start: ${cause.message}`,
          {
            details: pluginType,
            cause,
          },
        ),
      );
    });
    child.on('close', (code, signal) => {
      const signalNumber = signal === null ? 0 : osConstants.signals[signal];
      resolve({
        stdout: Buffer.concat(chunks).toString('utf8'),
        // As a shell reports it: 128 + the signal that ended the plugin.
        exitCode: code ?? 128 + signalNumber,
      });
    });
    child.stdin.end(stdin);
  });
}
