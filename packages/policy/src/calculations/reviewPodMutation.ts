import type { AdmissionReview } from '../models/AdmissionReview.js';
import type { JsonPatchOperation } from '../models/JsonPatchOperation.js';
import {
  FARGATE_POD_SG_ANNOTATION,
  FARGATE_PROFILE_LABEL,
  NODE_OS_LABEL,
  POD_ENI_RESOURCE,
} from '../models/wellKnownNames.js';
import type { PolicyIndex } from '../services/PolicyIndex.js';
import {
  allowReview,
  denyReview,
  patchReview,
  readAdmissionRequest,
} from './admissionReviewResponses.js';
import { escapeJsonPointerToken, isJsonObject } from './jsonShapes.js';
import { MAX_GROUP_IDS } from './parseSecurityGroupPolicy.js';
import {
  isPodRequest,
  objectMember,
  podDisplayName,
  stringMap,
  stringMember,
} from './podShapes.js';

/** What `reviewPodMutation` needs from its caller. */
export interface PodMutationContext {
  /** The cluster's SecurityGroupPolicies. */
  readonly policies: PolicyIndex;
  /**
   * The labels of a ServiceAccount, or null when it does not exist. Called only when a policy of
   * the pod's namespace has a `serviceAccountSelector`. A throw denies the pod.
   */
  serviceAccountLabels(
    namespace: string,
    name: string,
  ): Promise<Readonly<Record<string, string>> | null>;
}

/**
 * The mutating webhook for pods. On a pod CREATE whose security groups resolve non-empty it
 * answers with a JSON Patch that adds `vpc.amazonaws.com/pod-eni: "1"` to the requests and
 * limits of `containers[0]` (creating `resources`, `requests` and `limits` when absent, keeping
 * what is there), so the scheduler places the pod on a node with free branch ENIs.
 *
 * - Fargate pods (label `eks.amazonaws.com/fargate-profile`) get the annotation
 *   `fargate.amazonaws.com/pod-sg` with the comma-joined group ids instead; a Fargate pod that
 *   matches no policy but was created with that annotation has it removed (Fargate trusts it).
 * - hostNetwork pods and Windows pods (nodeSelector `kubernetes.io/os` or
 *   `beta.kubernetes.io/os` = `windows`) are allowed unchanged.
 * - The pod's namespace is `metadata.namespace`, else `request.namespace` (usual on CREATE); its
 *   service account is `spec.serviceAccountName`, else `default`. The service account is looked
 *   up only when `policies.needsServiceAccount(namespace)`; a lookup that throws denies the pod
 *   (code 500) naming the namespace, the service account and the cause.
 * - Other operations, other kinds and subresources are allowed unchanged.
 * - A pod object that is not an object, has no namespace, or no containers is denied (code 400).
 *
 * @throws PolicyValidationError of kind `InvalidAdmissionReview` (the promise rejects) when the
 *   review has no request or no uid: there is nobody to address an answer to
 */
export async function reviewPodMutation(
  review: AdmissionReview,
  ctx: PodMutationContext,
): Promise<AdmissionReview> {
  const request = readAdmissionRequest(review);
  const { uid } = request;
  if (request.operation !== 'CREATE' || !isPodRequest(request) || request.subResource) {
    return allowReview(review, uid);
  }
  const pod = request.object;
  const metadata = objectMember(pod, 'metadata');
  const spec = objectMember(pod, 'spec');
  const namespace = stringMember(metadata, 'namespace') || stringMember(request, 'namespace');
  const display = podDisplayName(pod, namespace);
  if (!isJsonObject(pod) || spec === undefined) {
    return denyReview(
      review,
      uid,
      400,
      'BadRequest',
      `pod ${display}: request.object is not a pod with a spec`,
    );
  }
  if (namespace === undefined || namespace === '') {
    return denyReview(review, uid, 400, 'BadRequest', `pod ${display}: it has no namespace`);
  }
  if (spec['hostNetwork'] === true) return allowReview(review, uid);
  const labels = stringMap(metadata?.['labels']);
  // As in EKS, the Fargate label wins over a Windows node selector.
  const fargate = Object.hasOwn(labels, FARGATE_PROFILE_LABEL);
  if (!fargate && isWindowsPod(spec)) return allowReview(review, uid);

  const serviceAccountName =
    stringMember(spec, 'serviceAccountName') || stringMember(spec, 'serviceAccount') || 'default';
  let serviceAccountLabels: Readonly<Record<string, string>> | null = null;
  if (ctx.policies.needsServiceAccount(namespace)) {
    try {
      serviceAccountLabels = await ctx.serviceAccountLabels(namespace, serviceAccountName);
    } catch (cause) {
      return denyReview(
        review,
        uid,
        500,
        'InternalError',
        `pod ${display}: cannot look up service account ${namespace}/${serviceAccountName} to resolve its security groups: ${describeCause(cause)}`,
      );
    }
  }
  const { groupIds, policies } = ctx.policies.resolve(
    { namespace, labels, serviceAccountName },
    serviceAccountLabels,
  );
  // Each policy is within the limit, but their union may not be: such a pod could never get an
  // interface, so it is refused now rather than left pending for ever (as EKS does).
  if (groupIds.length > MAX_GROUP_IDS) {
    return denyReview(
      review,
      uid,
      403,
      'Forbidden',
      `pod ${display}: its SecurityGroupPolicies (${policies.map((p) => p.name).join(', ')}) select ${groupIds.length} security groups; an EC2 network interface takes at most ${MAX_GROUP_IDS}`,
    );
  }
  if (fargate) {
    if (groupIds.length > 0) {
      return patchReview(review, uid, [fargateAnnotationPatch(metadata, groupIds.join(','))]);
    }
    // Fargate trusts this annotation, so one the pod was created with is dropped (as EKS does).
    if (
      stringMember(objectMember(metadata, 'annotations'), FARGATE_POD_SG_ANNOTATION) !== undefined
    ) {
      return patchReview(review, uid, [
        {
          op: 'remove',
          path: `/metadata/annotations/${escapeJsonPointerToken(FARGATE_POD_SG_ANNOTATION)}`,
        },
      ]);
    }
    return allowReview(review, uid);
  }
  if (groupIds.length === 0) return allowReview(review, uid);
  const containers = spec['containers'];
  const container: unknown = Array.isArray(containers) ? containers[0] : undefined;
  if (!isJsonObject(container)) {
    return denyReview(
      review,
      uid,
      400,
      'BadRequest',
      `pod ${display}: spec.containers[0] is missing`,
    );
  }
  return patchReview(review, uid, podEniResourcePatch(container));
}

function isWindowsPod(spec: Record<string, unknown>): boolean {
  const nodeSelector = objectMember(spec, 'nodeSelector');
  return (
    stringMember(nodeSelector, NODE_OS_LABEL) === 'windows' ||
    stringMember(nodeSelector, 'beta.kubernetes.io/os') === 'windows'
  );
}

function describeCause(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}

const RESOURCE_TOKEN = escapeJsonPointerToken(POD_ENI_RESOURCE);

/** Adds `vpc.amazonaws.com/pod-eni: "1"` to containers[0] requests and limits. */
function podEniResourcePatch(container: Record<string, unknown>): JsonPatchOperation[] {
  const base = '/spec/containers/0/resources';
  const resources = objectMember(container, 'resources');
  if (resources === undefined) {
    return [
      {
        op: 'add',
        path: base,
        value: { requests: { [POD_ENI_RESOURCE]: '1' }, limits: { [POD_ENI_RESOURCE]: '1' } },
      },
    ];
  }
  return (['requests', 'limits'] as const).map((list): JsonPatchOperation =>
    objectMember(resources, list) === undefined
      ? { op: 'add', path: `${base}/${list}`, value: { [POD_ENI_RESOURCE]: '1' } }
      : { op: 'add', path: `${base}/${list}/${RESOURCE_TOKEN}`, value: '1' },
  );
}

function fargateAnnotationPatch(
  metadata: Record<string, unknown> | undefined,
  groupIds: string,
): JsonPatchOperation {
  if (metadata === undefined) {
    return {
      op: 'add',
      path: '/metadata',
      value: { annotations: { [FARGATE_POD_SG_ANNOTATION]: groupIds } },
    };
  }
  if (objectMember(metadata, 'annotations') === undefined) {
    return {
      op: 'add',
      path: '/metadata/annotations',
      value: { [FARGATE_POD_SG_ANNOTATION]: groupIds },
    };
  }
  return {
    op: 'add',
    path: `/metadata/annotations/${escapeJsonPointerToken(FARGATE_POD_SG_ANNOTATION)}`,
    value: groupIds,
  };
}
