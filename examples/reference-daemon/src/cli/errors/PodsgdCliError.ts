/** What went wrong, from the operator's point of view. */
export type PodsgdCliErrorKind =
  /** The command line itself is wrong (missing or conflicting options). */
  | 'Usage'
  /** A named file or directory cannot be read or holds no usable YAML. */
  | 'Unreadable'
  /** A file was read but an object in it is not acceptable (for example an invalid Pod). */
  | 'InvalidInput';

/**
 * An error the operator can fix. `podsgd` prints its message (which names the file and,
 * where there is one, the field) to stderr and exits with status 2.
 */
export class PodsgdCliError extends Error {
  override readonly name = 'PodsgdCliError';

  constructor(
    readonly kind: PodsgdCliErrorKind,
    message: string,
    /** The file the error is about, when there is one. */
    readonly file?: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }

  /** Narrows `error` to a {@link PodsgdCliError}, optionally of one kind. */
  static is(error: unknown, kind?: PodsgdCliErrorKind): error is PodsgdCliError {
    return error instanceof PodsgdCliError && (kind === undefined || error.kind === kind);
  }
}
