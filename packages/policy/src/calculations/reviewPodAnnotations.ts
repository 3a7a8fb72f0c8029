import type { AdmissionReview } from '../models/AdmissionReview.js';
import { POD_ENI_ANNOTATION } from '../models/wellKnownNames.js';
import { allowReview, denyReview, readAdmissionRequest } from './admissionReviewResponses.js';
import { isPodRequest, objectMember, podDisplayName, stringMember } from './podShapes.js';

/** What `reviewPodAnnotations` needs from its caller. */
export interface PodAnnotationReviewOptions {
  /** The usernames the controller authenticates as (e.g. `system:serviceaccount:kube-system:podsg-controller`). */
  readonly controllerUsernames: readonly string[];
}

/**
 * The validating webhook that keeps the `vpc.amazonaws.com/pod-eni` annotation in the
 * controller's hands, since the CNI plugin trusts it to wire the pod:
 * - a pod CREATE carrying the annotation is denied (403), whoever asks;
 * - a pod UPDATE (any subresource) that adds, changes or removes it is denied (403) unless
 *   `request.userInfo.username` is one of `controllerUsernames`;
 * - everything else is allowed.
 *
 * @throws PolicyValidationError of kind `InvalidAdmissionReview` when the review has no
 *   request or no uid
 */
export function reviewPodAnnotations(
  review: AdmissionReview,
  options: PodAnnotationReviewOptions,
): AdmissionReview {
  const request = readAdmissionRequest(review);
  const { uid } = request;
  if (!isPodRequest(request)) return allowReview(review, uid);
  const namespace =
    stringMember(objectMember(request.object, 'metadata'), 'namespace') ??
    stringMember(request, 'namespace');
  const display = podDisplayName(request.object ?? request.oldObject, namespace);
  const annotation = (object: unknown): string | undefined =>
    stringMember(objectMember(objectMember(object, 'metadata'), 'annotations'), POD_ENI_ANNOTATION);

  if (request.operation === 'CREATE') {
    if (annotation(request.object) === undefined) return allowReview(review, uid);
    return denyReview(
      review,
      uid,
      403,
      'Forbidden',
      `pod ${display}: annotation ${POD_ENI_ANNOTATION} may not be set when creating a pod; the podsg controller sets it`,
    );
  }
  if (request.operation === 'UPDATE') {
    const before = annotation(request.oldObject);
    const after = annotation(request.object);
    if (before === after) return allowReview(review, uid);
    // Read defensively: a review from outside may lack userInfo, which then names nobody.
    const username = stringMember(objectMember(request, 'userInfo'), 'username');
    if (username !== undefined && options.controllerUsernames.includes(username)) {
      return allowReview(review, uid);
    }
    const change = before === undefined ? 'add' : after === undefined ? 'remove' : 'change';
    return denyReview(
      review,
      uid,
      403,
      'Forbidden',
      `pod ${display}: user ${username ?? '<unknown>'} may not ${change} annotation ${POD_ENI_ANNOTATION}; only the podsg controller may`,
    );
  }
  return allowReview(review, uid);
}
