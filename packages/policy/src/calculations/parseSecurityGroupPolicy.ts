import { PolicyValidationError, type ValidationIssue } from '../errors/PolicyValidationError.js';
import {
  SECURITY_GROUP_POLICY_API_VERSION,
  SECURITY_GROUP_POLICY_KIND,
  type SecurityGroupPolicy,
  type SecurityGroupPolicyMetadata,
  type SecurityGroupPolicySpec,
} from '../models/SecurityGroupPolicy.js';
import { describeJsonType, isJsonObject } from './jsonShapes.js';
import { parseLabelMap, stringEntries } from './parseLabelMap.js';
import { parseLabelSelector } from './parseLabelSelector.js';
import { validateDnsLabel, validateDnsSubdomain } from './validateDnsName.js';
import { validateLabelKey } from './validateLabelKey.js';

/** `sg-` followed by 8 (legacy) or 17 lowercase hex digits. */
export const SECURITY_GROUP_ID = /^sg-([0-9a-f]{8}|[0-9a-f]{17})$/;

/**
 * The most group ids a policy may list: the CRD's `maxItems` (EC2's hard limit of security
 * groups per network interface; the default quota is 5).
 */
export const MAX_GROUP_IDS = 16;

/** Kubernetes' limit on the total size of an object's annotations (keys plus values), in bytes. */
const MAX_ANNOTATIONS_BYTES = 256 * 1024;

/**
 * Validates a SecurityGroupPolicy given as parsed JSON or YAML and returns a clean copy.
 *
 * An EKS manifest parses as is: unknown metadata fields (uid, resourceVersion, creationTimestamp,
 * managedFields, …), `status` and unknown fields of `spec` and of selectors are ignored, as the
 * API server prunes them; `null` stands for an absent field. Known fields must have the right
 * type and syntax.
 *
 * Every issue is collected, each with the path of its field (`metadata.name`,
 * `spec.securityGroups.groupIds[1]`, `spec.podSelector.matchExpressions[0].operator`,
 * `spec.podSelector.matchLabels["app"]`; `<root>` for the input itself).
 *
 * @throws PolicyValidationError of kind `InvalidPolicy`, listing every issue
 */
export function parseSecurityGroupPolicy(input: unknown): SecurityGroupPolicy {
  if (!isJsonObject(input)) {
    throw new PolicyValidationError('InvalidPolicy', 'SecurityGroupPolicy', [
      { path: '<root>', message: `must be an object, got ${describeJsonType(input)}` },
    ]);
  }
  const issues: ValidationIssue[] = [];
  if (input['apiVersion'] !== SECURITY_GROUP_POLICY_API_VERSION) {
    issues.push({
      path: 'apiVersion',
      message: `must be "${SECURITY_GROUP_POLICY_API_VERSION}", got ${quote(input['apiVersion'])}`,
    });
  }
  if (input['kind'] !== SECURITY_GROUP_POLICY_KIND) {
    issues.push({
      path: 'kind',
      message: `must be "${SECURITY_GROUP_POLICY_KIND}", got ${quote(input['kind'])}`,
    });
  }
  const metadata = parseMetadata(input['metadata'], issues);
  const spec = parseSpec(input['spec'], issues);
  if (issues.length > 0 || metadata === undefined || spec === undefined) {
    throw new PolicyValidationError('InvalidPolicy', subjectOf(input), issues);
  }
  return {
    apiVersion: SECURITY_GROUP_POLICY_API_VERSION,
    kind: SECURITY_GROUP_POLICY_KIND,
    metadata,
    spec,
  };
}

function subjectOf(input: Record<string, unknown>): string {
  const metadata = input['metadata'];
  if (isJsonObject(metadata)) {
    const { name, namespace } = metadata;
    if (typeof name === 'string' && typeof namespace === 'string') {
      return `SecurityGroupPolicy ${namespace}/${name}`;
    }
    if (typeof name === 'string') return `SecurityGroupPolicy ${name}`;
  }
  return 'SecurityGroupPolicy';
}

function quote(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : describeJsonType(value);
}

function parseMetadata(
  raw: unknown,
  issues: ValidationIssue[],
): SecurityGroupPolicyMetadata | undefined {
  if (!isJsonObject(raw)) {
    issues.push({ path: 'metadata', message: `must be an object, got ${describeJsonType(raw)}` });
    return undefined;
  }
  const name = requiredString(raw['name'], 'metadata.name', issues, validateDnsSubdomain);
  const namespace = requiredString(
    raw['namespace'],
    'metadata.namespace',
    issues,
    validateDnsLabel,
  );
  const labels = parseLabelMap(raw['labels'], 'metadata.labels', issues);
  const annotations = parseAnnotations(raw['annotations'], 'metadata.annotations', issues);
  if (name === undefined || namespace === undefined) return undefined;
  const { uid, resourceVersion } = raw;
  return {
    name,
    namespace,
    ...(labels !== undefined && { labels }),
    ...(annotations !== undefined && { annotations }),
    // System fields: kept when well-formed, ignored otherwise (the server owns them).
    ...(typeof uid === 'string' && { uid }),
    ...(typeof resourceVersion === 'string' && { resourceVersion }),
  };
}

function requiredString(
  raw: unknown,
  path: string,
  issues: ValidationIssue[],
  validate: (value: string) => string | null,
): string | undefined {
  if (raw === undefined || raw === null) {
    issues.push({ path, message: 'is required' });
    return undefined;
  }
  if (typeof raw !== 'string') {
    issues.push({ path, message: `must be a string, got ${describeJsonType(raw)}` });
    return undefined;
  }
  const error = validate(raw);
  if (error !== null) {
    issues.push({ path, message: error });
    return undefined;
  }
  return raw;
}

function parseSpec(raw: unknown, issues: ValidationIssue[]): SecurityGroupPolicySpec | undefined {
  if (!isJsonObject(raw)) {
    issues.push({
      path: 'spec',
      message:
        raw === undefined || raw === null
          ? 'is required'
          : `must be an object, got ${describeJsonType(raw)}`,
    });
    return undefined;
  }
  const rawPod = raw['podSelector'];
  const rawServiceAccount = raw['serviceAccountSelector'];
  const podSelector = parseLabelSelector(rawPod, 'spec.podSelector', issues);
  const serviceAccountSelector = parseLabelSelector(
    rawServiceAccount,
    'spec.serviceAccountSelector',
    issues,
  );
  if (
    (rawPod === undefined || rawPod === null) &&
    (rawServiceAccount === undefined || rawServiceAccount === null)
  ) {
    issues.push({
      path: 'spec',
      message:
        'must set podSelector or serviceAccountSelector (or both); a policy without one matches no pod',
    });
  }
  const groupIds = parseGroupIds(raw['securityGroups'], issues);
  if (groupIds === undefined) return undefined;
  return {
    ...(podSelector !== undefined && { podSelector }),
    ...(serviceAccountSelector !== undefined && { serviceAccountSelector }),
    securityGroups: { groupIds },
  };
}

function parseGroupIds(raw: unknown, issues: ValidationIssue[]): string[] | undefined {
  if (!isJsonObject(raw)) {
    issues.push({
      path: 'spec.securityGroups',
      message:
        raw === undefined || raw === null
          ? 'is required'
          : `must be an object, got ${describeJsonType(raw)}`,
    });
    return undefined;
  }
  const path = 'spec.securityGroups.groupIds';
  const groupIds = raw['groupIds'];
  if (groupIds === undefined || groupIds === null) {
    issues.push({ path, message: 'is required: list at least one security group id' });
    return undefined;
  }
  if (!Array.isArray(groupIds)) {
    issues.push({
      path,
      message: `must be an array of security group ids, got ${describeJsonType(groupIds)}`,
    });
    return undefined;
  }
  if (groupIds.length === 0) {
    issues.push({ path, message: 'must list at least one security group id' });
    return undefined;
  }
  if (groupIds.length > MAX_GROUP_IDS) {
    issues.push({
      path,
      message: `must list at most ${MAX_GROUP_IDS} security group ids (an EC2 network interface takes no more), got ${groupIds.length}`,
    });
    return undefined;
  }
  const valid: string[] = [];
  groupIds.forEach((groupId: unknown, index) => {
    if (typeof groupId !== 'string') {
      issues.push({
        path: `${path}[${index}]`,
        message: `must be a string, got ${describeJsonType(groupId)}`,
      });
    } else if (!SECURITY_GROUP_ID.test(groupId)) {
      issues.push({
        path: `${path}[${index}]`,
        message: `"${groupId}" is not a security group id: must be "sg-" followed by 8 or 17 lowercase hex digits`,
      });
    } else {
      valid.push(groupId);
    }
  });
  return valid.length === groupIds.length ? valid : undefined;
}

/**
 * Annotations as Kubernetes accepts them (`ValidateAnnotations`): string values, keys that are
 * qualified names once lower-cased, at most 256 KiB of keys and values in all.
 */
function parseAnnotations(
  raw: unknown,
  path: string,
  issues: ValidationIssue[],
): Record<string, string> | undefined {
  const entries = stringEntries(raw, path, issues);
  if (entries === undefined) return undefined;
  let valid = true;
  let bytes = 0;
  for (const [key, value] of entries) {
    bytes += Buffer.byteLength(key) + Buffer.byteLength(value);
    const keyError = validateLabelKey(key.toLowerCase());
    if (keyError !== null) {
      issues.push({
        path: `${path}[${JSON.stringify(key)}]`,
        message: `invalid annotation ${keyError.replace(key.toLowerCase(), key)}`,
      });
      valid = false;
    }
  }
  if (bytes > MAX_ANNOTATIONS_BYTES) {
    issues.push({
      path,
      message: `may not be more than ${MAX_ANNOTATIONS_BYTES} bytes in all (is ${bytes})`,
    });
    valid = false;
  }
  return valid ? Object.fromEntries(entries) : undefined;
}
