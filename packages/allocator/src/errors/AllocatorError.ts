/**
 * What went wrong, as callers act on it:
 * - port kinds (thrown by `NetworkInterfaceApi` and `ClusterApi` adapters): `Throttled` (slow
 *   down, retry), `NotFound`, `LimitExceeded` (a quota or capacity), `InvalidParameter`,
 *   `Unauthorized`, `Transient` (retry), `Conflict` (a precondition such as a pod UID failed);
 * - the allocator's own: `UnsupportedInstanceType`, `Invalid` (bad input), `CapacityExhausted`,
 *   `Aborted` (the controller stopped).
 */
export type AllocatorErrorKind =
  | 'Throttled'
  | 'NotFound'
  | 'LimitExceeded'
  | 'InvalidParameter'
  | 'Unauthorized'
  | 'Transient'
  | 'Conflict'
  | 'UnsupportedInstanceType'
  | 'Invalid'
  | 'CapacityExhausted'
  | 'Aborted';

/** The error of `@podsg/allocator` and of every adapter of its ports. */
export class AllocatorError extends Error {
  override readonly name = 'AllocatorError';

  constructor(
    readonly kind: AllocatorErrorKind,
    message: string,
    options?: {
      /** The provider's own code, e.g. EC2's `InvalidGroup.NotFound` or an HTTP status. */
      code?: string;
      cause?: unknown;
    },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = options?.code;
  }

  /** The provider's own code, e.g. EC2's `InvalidGroup.NotFound`. */
  readonly code: string | undefined;

  /** True when `error` is an `AllocatorError`, of `kind` when one is given. */
  static is(error: unknown, kind?: AllocatorErrorKind): error is AllocatorError {
    return error instanceof AllocatorError && (kind === undefined || error.kind === kind);
  }

  /** Throttled and Transient errors are worth retrying after a backoff. */
  static isRetryable(error: unknown): boolean {
    return AllocatorError.is(error, 'Throttled') || AllocatorError.is(error, 'Transient');
  }
}
