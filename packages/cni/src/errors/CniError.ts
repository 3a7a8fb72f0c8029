/**
 * What went wrong, with the CNI error code each kind is reported as
 * (CNI spec, "Error" section; 100 and up are podsg's own).
 */
export const CNI_ERROR_CODES = {
  IncompatibleVersion: 1,
  UnsupportedField: 2,
  UnknownContainer: 3,
  InvalidEnvironment: 4,
  IoFailure: 5,
  DecodeFailure: 6,
  InvalidConfig: 7,
  TryAgainLater: 11,
  NotAvailable: 50,
  AgentUnavailable: 100,
  ApplyFailed: 101,
  DelegateNotFound: 102,
  DelegateFailed: 103,
  NotFound: 104,
  CheckFailed: 105,
  InvalidAgentAnswer: 106,
  /** A plan input (branch attachment, names, addresses) is malformed; the message names the field. */
  InvalidPlanInput: 107,
  /**
   * A failure nothing above describes (a bug); the message carries the original error's.
   * libcni's own code for an internal error (`types.ErrInternal`).
   */
  Unexpected: 999,
} as const;

/** A kind of CNI failure; see `CNI_ERROR_CODES`. */
export type CniErrorKind = keyof typeof CNI_ERROR_CODES;

/** The error of `@podsg/cni` and of every adapter of its ports. */
export class CniError extends Error {
  override readonly name = 'CniError';

  constructor(
    readonly kind: CniErrorKind,
    message: string,
    options?: {
      /** Extra, machine-readable context, printed as the CNI error's `details`. */
      details?: string;
      cause?: unknown;
    },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.details = options?.details;
  }

  /** Extra context for the CNI error's `details` field. */
  readonly details: string | undefined;

  /** The CNI error code of this kind. */
  get code(): number {
    return CNI_ERROR_CODES[this.kind];
  }

  /** True when `error` is a `CniError`, of `kind` when one is given. */
  static is(error: unknown, kind?: CniErrorKind): error is CniError {
    return error instanceof CniError && (kind === undefined || error.kind === kind);
  }
}
