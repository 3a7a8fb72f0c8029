/** How a finished process ended. */
export interface CommandOutcome {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs a program with an argument array (never through a shell) and feeds it `stdin`.
 * Resolves with the outcome whatever the exit code; rejects only when the program cannot start.
 */
export type CommandRunner = (
  file: string,
  args: readonly string[],
  stdin: string,
) => Promise<CommandOutcome>;
