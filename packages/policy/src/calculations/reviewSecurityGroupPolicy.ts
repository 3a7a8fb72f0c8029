import { PolicyValidationError } from '../errors/PolicyValidationError.js';
import type { AdmissionReview } from '../models/AdmissionReview.js';
import { SECURITY_GROUP_POLICY_KIND } from '../models/SecurityGroupPolicy.js';
import { allowReview, denyReview, readAdmissionRequest } from './admissionReviewResponses.js';
import { isJsonObject } from './jsonShapes.js';
import { parseSecurityGroupPolicy } from './parseSecurityGroupPolicy.js';

/**
 * The validating webhook for SecurityGroupPolicies: CREATE and UPDATE of an invalid policy are
 * denied (422 `Invalid`) with every validation issue (`path: message; …`) in the message;
 * DELETE, valid policies and other kinds are allowed. When the object carries no
 * `metadata.namespace`, `request.namespace` is used.
 *
 * @throws PolicyValidationError of kind `InvalidAdmissionReview` when the review has no
 *   request or no uid
 */
export function reviewSecurityGroupPolicy(review: AdmissionReview): AdmissionReview {
  const request = readAdmissionRequest(review);
  const { uid } = request;
  const kind: unknown = request.kind;
  const isPolicy = isJsonObject(kind) && kind['kind'] === SECURITY_GROUP_POLICY_KIND;
  if (!isPolicy || (request.operation !== 'CREATE' && request.operation !== 'UPDATE')) {
    return allowReview(review, uid);
  }
  try {
    parseSecurityGroupPolicy(withRequestNamespace(request.object, request.namespace));
    return allowReview(review, uid);
  } catch (error) {
    if (!PolicyValidationError.is(error, 'InvalidPolicy')) throw error;
    return denyReview(review, uid, 422, 'Invalid', error.message);
  }
}

function withRequestNamespace(object: unknown, namespace: string | undefined): unknown {
  if (namespace === undefined || !isJsonObject(object)) return object;
  const metadata = object['metadata'];
  if (!isJsonObject(metadata) || metadata['namespace'] !== undefined) return object;
  return { ...object, metadata: { ...metadata, namespace } };
}
