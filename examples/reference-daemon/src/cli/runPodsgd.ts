import { CommanderError } from 'commander';
import { buildPodsgdProgram } from './buildPodsgdProgram.js';
import { PodsgdCliError } from './errors/PodsgdCliError.js';
import type { CliContext } from './models/CliContext.js';
import { ExitCode } from './models/ExitCode.js';
import type { SubcommandRegistrar } from './models/SubcommandRegistrar.js';
import { podsgdSubcommands } from './podsgdSubcommands.js';

/**
 * Runs `podsgd` with `argv` (as in `process.argv`, node and script first) and resolves to
 * the exit status: 0 on success, 2 for usage errors and bad input ({@link PodsgdCliError}
 * and commander's own errors), 1 for anything unexpected. Never throws.
 */
export async function runPodsgd(
  argv: readonly string[],
  io: Omit<CliContext, 'setExitCode'>,
  subcommands: readonly SubcommandRegistrar[] = podsgdSubcommands,
): Promise<number> {
  let exitCode: number = ExitCode.Ok;
  const context: CliContext = {
    ...io,
    setExitCode: (code) => {
      exitCode = code;
    },
  };
  const program = buildPodsgdProgram(context, subcommands);
  try {
    await program.parseAsync([...argv]);
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander has already printed the message (or the help/version text).
      return error.exitCode === 0 ? ExitCode.Ok : ExitCode.Usage;
    }
    if (PodsgdCliError.is(error)) {
      io.stderr(`podsgd: ${error.message}\n`);
      return ExitCode.Usage;
    }
    const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
    io.stderr(`podsgd: unexpected error: ${detail}\n`);
    return ExitCode.Failure;
  }
}
