import { AllocatorError } from '@podsg/allocator';
import type { AllocatorErrorKind } from '@podsg/allocator';

const THROTTLING = new Set([
  'RequestLimitExceeded',
  'Throttling',
  'ThrottlingException',
  'EC2ThrottledException',
  'RequestThrottled',
  'RequestThrottledException',
]);
const SERVER_SIDE = new Set([
  'InternalError',
  'InternalFailure',
  'ServiceUnavailable',
  'Unavailable',
]);
/** Refusals of the credentials or the signature: no retry helps, as with a denied action. */
const CREDENTIAL_REFUSALS = new Set([
  'AuthFailure',
  'SignatureDoesNotMatch',
  'MissingAuthenticationToken',
  'InvalidClientTokenId',
  'ExpiredToken',
]);
/** Socket-level failures: the request may or may not have reached EC2; retry with its token. */
const NETWORK = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ECONNABORTED',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_SOCKET',
]);

/**
 * The port's kind for an EC2 error code, as `NetworkInterfaceApi`'s TSDoc lists them; refusals
 * of the credentials (`AuthFailure`, `SignatureDoesNotMatch`, …) are `Unauthorized` too, as
 * `FakeEc2` treats `AuthFailure`.
 */
export function kindOfCode(code: string): AllocatorErrorKind {
  if (THROTTLING.has(code)) return 'Throttled';
  if (SERVER_SIDE.has(code)) return 'Transient';
  if (code === 'UnauthorizedOperation' || CREDENTIAL_REFUSALS.has(code)) return 'Unauthorized';
  if (code.endsWith('.NotFound')) return 'NotFound';
  if (code.endsWith('LimitExceeded') || code === 'InsufficientFreeAddressesInSubnet') {
    return 'LimitExceeded';
  }
  return 'InvalidParameter';
}

interface SdkErrorShape {
  name?: unknown;
  code?: unknown;
  message?: unknown;
  $fault?: unknown;
  $metadata?: { httpStatusCode?: unknown; requestId?: unknown };
  $response?: { statusCode?: unknown };
}

/**
 * An `AllocatorError` for whatever the SDK threw on `action`: EC2's code in `code` (its kind
 * from `kindOfCode`), the request id in the message, the SDK error as `cause`. Without an EC2
 * code, HTTP 5xx, socket errors and timeouts are `Transient` and 429 `Throttled`; a reply
 * that came back 2xx but could not be read is `InvalidParameter` with code `InvalidResponse`.
 */
export function ec2ErrorOf(action: string, error: unknown): AllocatorError {
  if (error instanceof AllocatorError) return error;
  const shape: SdkErrorShape = typeof error === 'object' && error !== null ? error : {};
  const name = typeof shape.name === 'string' ? shape.name : 'Error';
  const message = typeof shape.message === 'string' ? shape.message : String(error);
  const status = numberOf(shape.$metadata?.httpStatusCode) ?? numberOf(shape.$response?.statusCode);
  const requestId =
    typeof shape.$metadata?.requestId === 'string' ? shape.$metadata.requestId : undefined;
  const suffix = requestId === undefined ? '' : ` (request id ${requestId})`;
  const networkCode =
    typeof shape.code === 'string' && NETWORK.has(shape.code) ? shape.code : undefined;
  if (networkCode !== undefined || name === 'TimeoutError' || name === 'AbortError') {
    return new AllocatorError('Transient', `EC2 ${action}: ${networkCode ?? name}: ${message}`, {
      code: networkCode ?? name,
      cause: error,
    });
  }
  const isEc2Code =
    status !== undefined &&
    status >= 400 &&
    /^[A-Z][A-Za-z0-9]*(\.[A-Za-z0-9]+)*$/.test(name) &&
    !['Error', 'UnknownError', 'Unknown', 'SyntaxError', 'TypeError'].includes(name);
  if (isEc2Code) {
    let kind = kindOfCode(name);
    if (kind === 'InvalidParameter' && status >= 500) kind = 'Transient';
    return new AllocatorError(kind, `EC2 ${action}: ${name}: ${message}${suffix}`, {
      code: name,
      cause: error,
    });
  }
  if (status !== undefined && status >= 500) {
    return new AllocatorError('Transient', `EC2 ${action}: HTTP ${status}: ${message}${suffix}`, {
      code: String(status),
      cause: error,
    });
  }
  if (status === 429) {
    return new AllocatorError('Throttled', `EC2 ${action}: HTTP 429: ${message}${suffix}`, {
      code: '429',
      cause: error,
    });
  }
  if (status !== undefined && status < 300) {
    return invalidResponse(action, `the reply could not be read (${message})`, error);
  }
  if (status !== undefined) {
    return new AllocatorError(
      'InvalidParameter',
      `EC2 ${action}: HTTP ${status}: ${message}${suffix}`,
      {
        code: String(status),
        cause: error,
      },
    );
  }
  return new AllocatorError('Transient', `EC2 ${action}: ${name}: ${message}`, {
    code: name,
    cause: error,
  });
}

/** A reply EC2 (or whatever answered) sent that does not hold what the action returns. */
export function invalidResponse(action: string, what: string, cause?: unknown): AllocatorError {
  return new AllocatorError('InvalidParameter', `EC2 ${action} reply: ${what}`, {
    code: 'InvalidResponse',
    ...(cause === undefined ? {} : { cause }),
  });
}

function numberOf(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}
