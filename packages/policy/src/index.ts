/**
 * `@podsg/policy`: SecurityGroupPolicy parsing and validation, Kubernetes label selectors, the
 * indexed policy resolver, the admission review logic of podsg, and what a pod's security groups
 * mean for traffic (`evaluateReachability`). Pure: no I/O.
 */
export { applyJsonPatch } from './calculations/applyJsonPatch.js';
export { decodeJsonPatch, encodeJsonPatch } from './calculations/admissionReviewResponses.js';
export { explainPolicyMatch } from './calculations/explainPolicyMatch.js';
export { labelSelectorMatches, requirementMatches } from './calculations/labelSelectorMatches.js';
export {
  parseSecurityGroupPolicy,
  MAX_GROUP_IDS,
  SECURITY_GROUP_ID,
} from './calculations/parseSecurityGroupPolicy.js';
export { reviewPodAnnotations } from './calculations/reviewPodAnnotations.js';
export type { PodAnnotationReviewOptions } from './calculations/reviewPodAnnotations.js';
export { reviewPodMutation } from './calculations/reviewPodMutation.js';
export type { PodMutationContext } from './calculations/reviewPodMutation.js';
export { reviewSecurityGroupPolicy } from './calculations/reviewSecurityGroupPolicy.js';
export { validateDnsLabel, validateDnsSubdomain } from './calculations/validateDnsName.js';
export { validateLabelKey } from './calculations/validateLabelKey.js';
export { validateLabelValue } from './calculations/validateLabelValue.js';
export { formatValidationIssues, PolicyValidationError } from './errors/PolicyValidationError.js';
export type { PolicyValidationErrorKind, ValidationIssue } from './errors/PolicyValidationError.js';
export type {
  AdmissionOperation,
  AdmissionRequest,
  AdmissionResponse,
  AdmissionReview,
  AdmissionStatus,
  AdmissionUserInfo,
  GroupVersionKind,
  GroupVersionResource,
} from './models/AdmissionReview.js';
export type { JsonPatchOperation } from './models/JsonPatchOperation.js';
export type {
  LabelSelector,
  LabelSelectorOperator,
  LabelSelectorRequirement,
} from './models/LabelSelector.js';
export type { PodIdentity } from './models/PodIdentity.js';
export type {
  PolicyMatchExplanation,
  SelectorExplanation,
  SelectorTermExplanation,
} from './models/PolicyMatchExplanation.js';
export {
  SECURITY_GROUP_POLICY_API_VERSION,
  SECURITY_GROUP_POLICY_KIND,
} from './models/SecurityGroupPolicy.js';
export type {
  SecurityGroupPolicy,
  SecurityGroupPolicyMetadata,
  SecurityGroupPolicySpec,
} from './models/SecurityGroupPolicy.js';
export type { PolicyReference, SecurityGroupResolution } from './models/SecurityGroupResolution.js';
export {
  FARGATE_POD_SG_ANNOTATION,
  FARGATE_PROFILE_LABEL,
  NODE_OS_LABEL,
  POD_ENI_ANNOTATION,
  POD_ENI_RESOURCE,
} from './models/wellKnownNames.js';
export { PolicyIndex } from './services/PolicyIndex.js';
export { evaluateReachability } from './reachability/calculations/evaluateReachability.js';
export { parseSecurityGroups } from './reachability/calculations/parseSecurityGroups.js';
export { parseNetworkInterfaces } from './reachability/calculations/parseNetworkInterfaces.js';
export {
  describePorts,
  describeRule,
  describeTraffic,
} from './reachability/calculations/describeRule.js';
export type {
  Flow,
  FlowEndpoint,
  FlowProtocol,
  ModelledInterface,
  ReachabilityModel,
} from './reachability/models/ReachabilityQuery.js';
export type {
  NearMiss,
  ReachabilityVerdict,
  RuleDirection,
  RulePeer,
  RuleReference,
  SideVerdict,
} from './reachability/models/ReachabilityVerdict.js';
export type {
  CidrPeer,
  GroupPeer,
  PermissionTraffic,
  SecurityGroup,
  SecurityGroupPermission,
} from './reachability/models/SecurityGroup.js';
