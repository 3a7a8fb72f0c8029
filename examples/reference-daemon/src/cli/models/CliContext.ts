/**
 * What a subcommand may touch of the outside world. Passing it in (rather than
 * writing to `process.stdout` directly) lets tests run the whole program in-process.
 */
export interface CliContext {
  /** Writes normal output (reports, JSON). */
  readonly stdout: (text: string) => void;
  /** Writes diagnostics and errors. */
  readonly stderr: (text: string) => void;
  /** Directory that relative paths on the command line are resolved against. */
  readonly cwd: string;
  /** Sets the status the process ends with once the action returns (default 0). */
  setExitCode(code: number): void;
}
