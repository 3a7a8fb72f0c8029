import { PolicyValidationError } from '../errors/PolicyValidationError.js';
import type {
  AdmissionRequest,
  AdmissionResponse,
  AdmissionReview,
} from '../models/AdmissionReview.js';
import type { JsonPatchOperation } from '../models/JsonPatchOperation.js';
import { describeJsonType, isJsonObject } from './jsonShapes.js';

/**
 * The request of a review, checked to have the fields every review function relies on.
 *
 * @throws PolicyValidationError of kind `InvalidAdmissionReview` when there is no request or no
 *   uid: without a uid no answer can be addressed, so the webhook server should reply HTTP 400
 */
export function readAdmissionRequest(review: AdmissionReview): AdmissionRequest {
  const raw: unknown = review;
  if (!isJsonObject(raw)) {
    throw new PolicyValidationError('InvalidAdmissionReview', 'AdmissionReview', [
      { path: '<root>', message: `must be an object, got ${describeJsonType(raw)}` },
    ]);
  }
  const request = raw['request'];
  if (!isJsonObject(request)) {
    throw new PolicyValidationError('InvalidAdmissionReview', 'AdmissionReview', [
      { path: 'request', message: `must be an object, got ${describeJsonType(request)}` },
    ]);
  }
  const { uid } = request;
  if (typeof uid !== 'string' || uid === '') {
    throw new PolicyValidationError('InvalidAdmissionReview', 'AdmissionReview', [
      { path: 'request.uid', message: 'must be a non-empty string' },
    ]);
  }
  return review.request as AdmissionRequest;
}

/**
 * The answer review: same apiVersion and kind (the API server requires it; `admission.k8s.io/v1`
 * and `AdmissionReview` when the request carries none), the response addressed to the request's
 * uid.
 */
function answer(review: AdmissionReview, response: AdmissionResponse): AdmissionReview {
  const { apiVersion, kind } = review as { apiVersion?: unknown; kind?: unknown };
  return {
    apiVersion:
      typeof apiVersion === 'string' && apiVersion !== '' ? apiVersion : 'admission.k8s.io/v1',
    kind: typeof kind === 'string' && kind !== '' ? kind : 'AdmissionReview',
    response,
  };
}

/** Allows the request unchanged. */
export function allowReview(review: AdmissionReview, uid: string): AdmissionReview {
  return answer(review, { uid, allowed: true });
}

/** Allows the request with a JSON Patch (base64 of its JSON text, patchType `JSONPatch`). */
export function patchReview(
  review: AdmissionReview,
  uid: string,
  patch: readonly JsonPatchOperation[],
): AdmissionReview {
  return answer(review, {
    uid,
    allowed: true,
    patchType: 'JSONPatch',
    patch: encodeJsonPatch(patch),
  });
}

/** Denies the request with a message shown to the user. */
export function denyReview(
  review: AdmissionReview,
  uid: string,
  code: number,
  reason: string,
  message: string,
): AdmissionReview {
  return answer(review, {
    uid,
    allowed: false,
    status: { status: 'Failure', code, reason, message },
  });
}

/** Encodes a JSON Patch as an AdmissionResponse carries it: base64 of its UTF-8 JSON text. */
export function encodeJsonPatch(patch: readonly JsonPatchOperation[]): string {
  return Buffer.from(JSON.stringify(patch), 'utf8').toString('base64');
}

/**
 * Decodes the `patch` of an AdmissionResponse.
 *
 * @throws PolicyValidationError of kind `InvalidJsonPatch` when it is not base64 of a JSON array
 */
export function decodeJsonPatch(patch: string): JsonPatchOperation[] {
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(patch, 'base64').toString('utf8'));
  } catch (cause) {
    throw new PolicyValidationError(
      'InvalidJsonPatch',
      'JSON Patch',
      [{ path: '<root>', message: 'must be base64 of JSON text' }],
      { cause },
    );
  }
  if (!Array.isArray(decoded)) {
    throw new PolicyValidationError('InvalidJsonPatch', 'JSON Patch', [
      {
        path: '<root>',
        message: `must be an array of operations, got ${describeJsonType(decoded)}`,
      },
    ]);
  }
  return decoded as JsonPatchOperation[];
}
