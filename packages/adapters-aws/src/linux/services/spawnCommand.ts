import type { CommandOutcome } from '../ports/CommandRunner.js';

/**
 * The production `CommandRunner`: `child_process.spawn` with an argument array, no shell.
 * `node:child_process` is loaded on the first call: `podsg-cni` bundles this module, and most
 * plugin runs (VERSION, pods handed to the delegate) never start a command through it.
 */
export async function spawnCommand(
  file: string,
  args: readonly string[],
  stdin: string,
): Promise<CommandOutcome> {
  const { spawn } = await import('node:child_process');
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { stdio: ['pipe', 'pipe', 'pipe'], shell: false });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      resolve({
        exitCode: code ?? (signal === null ? 1 : 128),
        stdout: Buffer.concat(stdout).toString('utf8'),
        stderr: Buffer.concat(stderr).toString('utf8'),
      });
    });
    // A program that exits without reading its input makes the pipe fail; its exit code tells.
    child.stdin.on('error', () => undefined);
    child.stdin.end(stdin);
  });
}
