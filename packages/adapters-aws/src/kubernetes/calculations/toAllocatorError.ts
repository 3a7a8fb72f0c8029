import { AllocatorError } from '@podsg/allocator';
import type { AllocatorErrorKind } from '@podsg/allocator';
import { isJsonObject, objectAt, stringAt } from '../internal/jsonFields.js';
import type { KubernetesFailure } from '../models/KubernetesFailure.js';

const REASON_OF_STATUS: Readonly<Record<number, string>> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  409: 'Conflict',
  410: 'Expired',
  415: 'UnsupportedMediaType',
  422: 'Invalid',
  429: 'TooManyRequests',
  500: 'InternalError',
  503: 'ServiceUnavailable',
  504: 'Timeout',
};

/**
 * The `AllocatorError` for a failed Kubernetes API response: 409 `Conflict` (and 422 on
 * `metadata.uid`, the API server's answer to a patch whose UID precondition failed); 404
 * `NotFound`; 429 `Throttled`; 5xx, 410 and anything unexpected `Transient`; 401/403
 * `Unauthorized`; other 4xx `InvalidParameter`. The error's `code` is `"<status> <reason>"`
 * (`"409 Conflict"`), its `cause` a `KubernetesFailure`.
 *
 * @param operation - what was attempted, for the message (`patch pods default/web-1`)
 * @param body - the response body as text (a `Status` object when the server sent one)
 * @param retryAfter - the `Retry-After` header, if any
 */
export function toAllocatorError(
  operation: string,
  httpStatus: number,
  body: string,
  retryAfter: string | undefined,
): AllocatorError {
  let status: unknown;
  try {
    status = JSON.parse(body);
  } catch {
    status = undefined;
  }
  const reason = stringAt(status, 'reason') ?? REASON_OF_STATUS[httpStatus] ?? 'Unknown';
  const text = stringAt(status, 'message') ?? (body.slice(0, 200) || `HTTP ${httpStatus}`);
  const details = objectAt(status, 'details');
  const causes = details?.['causes'];
  const causeFields = Array.isArray(causes)
    ? causes.flatMap((cause) => {
        const field = stringAt(cause, 'field');
        return field === undefined ? [] : [field];
      })
    : [];
  const detailSeconds = isJsonObject(details) ? details['retryAfterSeconds'] : undefined;
  const failure: KubernetesFailure = {
    httpStatus,
    reason,
    message: text,
    retryAfterMs:
      parseRetryAfter(retryAfter) ??
      (typeof detailSeconds === 'number' && detailSeconds >= 0 ? detailSeconds * 1000 : null),
    causeFields,
  };
  return new AllocatorError(
    kindOfStatus(httpStatus, causeFields),
    `${operation}: ${httpStatus} ${reason}: ${text}`,
    { code: `${httpStatus} ${reason}`, cause: failure },
  );
}

/**
 * The `AllocatorError` (`Transient`) for a request that got no usable response: a network
 * error, a timeout, or a body that is not what the API promises (`MalformedResponse`).
 */
export function transportError(
  operation: string,
  reason: string,
  message: string,
  cause?: unknown,
): AllocatorError {
  const failure: KubernetesFailure = {
    httpStatus: 0,
    reason,
    message,
    retryAfterMs: null,
    causeFields: [],
  };
  return new AllocatorError('Transient', `${operation}: ${reason}: ${message}`, {
    code: reason,
    cause: cause === undefined ? failure : Object.assign(failure, { error: cause }),
  });
}

/** The `KubernetesFailure` behind an adapter error, or null for any other error. */
export function kubernetesFailureOf(error: unknown): KubernetesFailure | null {
  if (!AllocatorError.is(error)) return null;
  const cause: unknown = error.cause;
  return isJsonObject(cause) && typeof cause['httpStatus'] === 'number'
    ? (cause as unknown as KubernetesFailure)
    : null;
}

function kindOfStatus(httpStatus: number, causeFields: readonly string[]): AllocatorErrorKind {
  if (httpStatus === 409) return 'Conflict';
  if (httpStatus === 422 && causeFields.includes('metadata.uid')) return 'Conflict';
  if (httpStatus === 404) return 'NotFound';
  if (httpStatus === 429) return 'Throttled';
  if (httpStatus === 401 || httpStatus === 403) return 'Unauthorized';
  if (httpStatus >= 400 && httpStatus < 500 && httpStatus !== 408 && httpStatus !== 410) {
    return 'InvalidParameter';
  }
  return 'Transient';
}

/** `Retry-After` as milliseconds: delta-seconds only (the API server never sends a date). */
function parseRetryAfter(header: string | undefined): number | null {
  if (header === undefined || !/^\s*\d+\s*$/.test(header)) return null;
  return Number(header) * 1000;
}
