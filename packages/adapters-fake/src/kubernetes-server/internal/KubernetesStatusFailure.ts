import { AllocatorError } from '@podsg/allocator';

/** A `metav1.Status` cause: which field was wrong and why. */
export interface StatusCause {
  reason: string;
  message: string;
  field?: string;
}

/** The `metav1.Status` body of a failed request. */
export interface KubernetesStatus {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Failure';
  message: string;
  reason: string;
  details?: {
    name?: string;
    group?: string;
    kind?: string;
    causes?: StatusCause[];
    retryAfterSeconds?: number;
  };
  code: number;
}

/**
 * A request the server refuses, carried to the response as a `Status` (never leaves the server:
 * model errors are `AllocatorError`s and are translated by `statusOf`).
 */
export class KubernetesStatusFailure extends Error {
  override readonly name = 'KubernetesStatusFailure';

  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly details?: KubernetesStatus['details'],
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
  }

  /** The Status body. */
  toStatus(): KubernetesStatus {
    return {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: this.message,
      reason: this.reason,
      ...(this.details === undefined ? {} : { details: this.details }),
      code: this.code,
    };
  }
}

/** 400 BadRequest. */
export function badRequest(message: string): KubernetesStatusFailure {
  return new KubernetesStatusFailure(400, 'BadRequest', message);
}

/** Translates whatever a handler threw into the failure the API server would answer. */
export function statusOf(
  error: unknown,
  target: { name?: string; group?: string; resource?: string; kind?: string } = {},
): KubernetesStatusFailure {
  if (error instanceof KubernetesStatusFailure) return error;
  const details = {
    ...(target.name === undefined ? {} : { name: target.name }),
    ...(target.group === undefined ? {} : { group: target.group }),
  };
  if (AllocatorError.is(error)) {
    switch (error.kind) {
      case 'NotFound':
        return new KubernetesStatusFailure(404, 'NotFound', error.message, {
          ...details,
          ...(target.resource === undefined ? {} : { kind: target.resource }),
        });
      case 'Conflict':
        return error.code === 'AlreadyExists'
          ? new KubernetesStatusFailure(409, 'AlreadyExists', error.message, {
              ...details,
              ...(target.resource === undefined ? {} : { kind: target.resource }),
            })
          : new KubernetesStatusFailure(409, 'Conflict', error.message, {
              ...details,
              ...(target.resource === undefined ? {} : { kind: target.resource }),
            });
      case 'Invalid': {
        const cause = error.cause as { field?: unknown; message?: unknown } | undefined;
        const causes: StatusCause[] =
          typeof cause?.field === 'string'
            ? [
                {
                  reason: 'FieldValueInvalid',
                  message: typeof cause.message === 'string' ? cause.message : error.message,
                  field: cause.field,
                },
              ]
            : [{ reason: 'FieldValueInvalid', message: error.message }];
        return new KubernetesStatusFailure(422, 'Invalid', error.message, {
          ...details,
          ...(target.kind === undefined ? {} : { kind: target.kind }),
          causes,
        });
      }
      case 'InvalidParameter':
        return error.code === 'AdmissionDenied'
          ? new KubernetesStatusFailure(403, 'Forbidden', error.message, details)
          : new KubernetesStatusFailure(400, 'BadRequest', error.message, details);
      case 'Throttled':
        return new KubernetesStatusFailure(
          429,
          'TooManyRequests',
          error.message,
          { retryAfterSeconds: 1 },
          { 'Retry-After': '1' },
        );
      case 'Unauthorized':
        return new KubernetesStatusFailure(401, 'Unauthorized', error.message);
      default:
        return new KubernetesStatusFailure(500, 'InternalError', error.message);
    }
  }
  // The policy package's validation errors (a webhook's patch that does not apply, …).
  const message = error instanceof Error ? error.message : String(error);
  return new KubernetesStatusFailure(500, 'InternalError', `Internal error occurred: ${message}`);
}
