/**
 * Exit statuses shared by every `podsgd` subcommand.
 *
 * `Usage` (2) covers everything the operator can fix by changing the command line or
 * the files it names: unknown options, unreadable files, invalid input objects.
 */
export const ExitCode = {
  Ok: 0,
  Failure: 1,
  Usage: 2,
} as const;

/** One of the {@link ExitCode} values. */
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];
