import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PodsgdCliError } from './errors/PodsgdCliError.js';
import type { SubcommandRegistrar } from './models/SubcommandRegistrar.js';
import { runPodsgd } from './runPodsgd.js';

/** Runs podsgd in-process with `args`, capturing its output. */
async function run(args: readonly string[], subcommands?: readonly SubcommandRegistrar[]) {
  let stdout = '';
  let stderr = '';
  const io = {
    stdout: (text: string) => void (stdout += text),
    stderr: (text: string) => void (stderr += text),
    cwd: process.cwd(),
  };
  const code = await runPodsgd(['node', 'podsgd', ...args], io, subcommands);
  return { code, stdout, stderr };
}

/** A subcommand `probe` whose action does what `behaviour` says. */
const probe =
  (behaviour: (setExitCode: (code: number) => void) => void): SubcommandRegistrar =>
  (program, context) => {
    program.command('probe').action(() => {
      behaviour((code) => {
        context.setExitCode(code);
      });
    });
  };

describe('runPodsgd', () => {
  it('lists the explain subcommand in --help and exits 0', async () => {
    const { code, stdout } = await run(['--help']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/Usage: podsgd/);
    expect(stdout).toMatch(/explain \[options\]/);
  });

  it("prints the package's version", async () => {
    const manifest = JSON.parse(
      readFileSync(new URL('../../package.json', import.meta.url), 'utf8'),
    );
    const { code, stdout } = await run(['--version']);
    expect(code).toBe(0);
    expect(stdout.trim()).toBe(manifest.version);
  });

  it('documents the explain options and exit status', async () => {
    const { code, stdout } = await run(['explain', '--help']);
    expect(code).toBe(0);
    for (const option of ['--policies <path...>', '--pod <file>', '--service-account <file>']) {
      expect(stdout).toContain(option);
    }
    expect(stdout).toContain('--json');
    expect(stdout).toMatch(/Exit status: 0 .*2 for usage errors/s);
  });

  it('exits 2 on usage errors, naming the problem on stderr', async () => {
    const missing = await run(['explain', '--policies', 'p.yaml']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/required option '--pod <file>' not specified/);

    const unknown = await run(['explain', '--pod', 'x', '--policies', 'y', '--colour']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown option '--colour'/);

    const noSuchCommand = await run(['explian']);
    expect(noSuchCommand.code).toBe(2);
    expect(noSuchCommand.stderr).toMatch(/unknown command 'explian'.*explain/s);

    expect((await run([])).code).toBe(2);
  });

  it('exits 2 with "podsgd: <message>" for a PodsgdCliError from an action', async () => {
    const failing = probe(() => {
      throw new PodsgdCliError('Unreadable', 'pod.yaml: cannot read: no such file', 'pod.yaml');
    });
    const { code, stderr } = await run(['probe'], [failing]);
    expect(code).toBe(2);
    expect(stderr).toBe('podsgd: pod.yaml: cannot read: no such file\n');
  });

  it('exits 1 for an unexpected error, and with the status an action sets', async () => {
    const crashing = probe(() => {
      throw new TypeError('boom');
    });
    const crashed = await run(['probe'], [crashing]);
    expect(crashed.code).toBe(1);
    expect(crashed.stderr).toMatch(/^podsgd: unexpected error: TypeError: boom/);

    const violated = await run(
      ['probe'],
      [
        probe((setExitCode) => {
          setExitCode(1);
        }),
      ],
    );
    expect(violated).toEqual({ code: 1, stdout: '', stderr: '' });
  });
});
