import { PolicyValidationError, type ValidationIssue } from '../errors/PolicyValidationError.js';
import type {
  LabelSelector,
  LabelSelectorOperator,
  LabelSelectorRequirement,
} from '../models/LabelSelector.js';
import {
  SECURITY_GROUP_POLICY_API_VERSION,
  SECURITY_GROUP_POLICY_KIND,
  type SecurityGroupPolicy,
  type SecurityGroupPolicyMetadata,
  type SecurityGroupPolicySpec,
} from '../models/SecurityGroupPolicy.js';
import { describeJsonType, isJsonObject } from './jsonShapes.js';
import { validateDnsLabel, validateDnsSubdomain } from './validateDnsName.js';
import { validateLabelKey } from './validateLabelKey.js';
import { validateLabelValue } from './validateLabelValue.js';

/** `sg-` followed by 8 (legacy) or 17 lowercase hex digits. */
export const SECURITY_GROUP_ID = /^sg-([0-9a-f]{8}|[0-9a-f]{17})$/;

const OPERATORS: readonly LabelSelectorOperator[] = ['In', 'NotIn', 'Exists', 'DoesNotExist'];

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
  const annotations = parseStringMap(raw['annotations'], 'metadata.annotations', issues);
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
  const podSelector = parseSelector(rawPod, 'spec.podSelector', issues);
  const serviceAccountSelector = parseSelector(
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
 * Validates a label selector at `path`. Returns undefined when it is absent (or null) or invalid;
 * issues say which.
 */
function parseSelector(
  raw: unknown,
  path: string,
  issues: ValidationIssue[],
): LabelSelector | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (!isJsonObject(raw)) {
    issues.push({
      path,
      message: `must be a label selector object, got ${describeJsonType(raw)}`,
    });
    return undefined;
  }
  const before = issues.length;
  const matchLabels = parseLabelMap(raw['matchLabels'], `${path}.matchLabels`, issues);
  const matchExpressions = parseExpressions(
    raw['matchExpressions'],
    `${path}.matchExpressions`,
    issues,
  );
  if (issues.length > before) return undefined;
  return {
    ...(matchLabels !== undefined && { matchLabels }),
    ...(matchExpressions !== undefined && { matchExpressions }),
  };
}

function parseExpressions(
  raw: unknown,
  path: string,
  issues: ValidationIssue[],
): LabelSelectorRequirement[] | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (!Array.isArray(raw)) {
    issues.push({ path, message: `must be an array, got ${describeJsonType(raw)}` });
    return undefined;
  }
  const requirements: LabelSelectorRequirement[] = [];
  raw.forEach((term: unknown, index) => {
    const requirement = parseRequirement(term, `${path}[${index}]`, issues);
    if (requirement !== undefined) requirements.push(requirement);
  });
  return requirements;
}

function parseRequirement(
  raw: unknown,
  path: string,
  issues: ValidationIssue[],
): LabelSelectorRequirement | undefined {
  if (!isJsonObject(raw)) {
    issues.push({ path, message: `must be an object, got ${describeJsonType(raw)}` });
    return undefined;
  }
  const before = issues.length;
  const { key, operator } = raw;
  if (typeof key !== 'string') {
    issues.push({
      path: `${path}.key`,
      message:
        key === undefined || key === null
          ? 'is required'
          : `must be a string, got ${describeJsonType(key)}`,
    });
  } else {
    const error = validateLabelKey(key);
    if (error !== null) issues.push({ path: `${path}.key`, message: `invalid label ${error}` });
  }
  const knownOperator = OPERATORS.find((known) => known === operator);
  if (knownOperator === undefined) {
    issues.push({
      path: `${path}.operator`,
      message:
        operator === undefined || operator === null
          ? `is required: one of ${OPERATORS.join(', ')}`
          : `unknown operator ${quote(operator)}: must be one of ${OPERATORS.join(', ')}`,
    });
  }
  const values = parseValues(raw['values'], `${path}.values`, issues);
  if (knownOperator !== undefined && values !== undefined) {
    const needsValues = knownOperator === 'In' || knownOperator === 'NotIn';
    if (needsValues && values.length === 0) {
      issues.push({
        path: `${path}.values`,
        message: `must be non-empty when operator is ${knownOperator}`,
      });
    } else if (!needsValues && values.length > 0) {
      issues.push({
        path: `${path}.values`,
        message: `must be empty when operator is ${knownOperator}`,
      });
    }
  }
  if (issues.length > before || typeof key !== 'string' || knownOperator === undefined) {
    return undefined;
  }
  return {
    key,
    operator: knownOperator,
    ...(values !== undefined && values.length > 0 && { values }),
  };
}

function parseValues(raw: unknown, path: string, issues: ValidationIssue[]): string[] | undefined {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) {
    issues.push({ path, message: `must be an array of strings, got ${describeJsonType(raw)}` });
    return undefined;
  }
  const values: string[] = [];
  raw.forEach((value: unknown, index) => {
    if (typeof value !== 'string') {
      issues.push({
        path: `${path}[${index}]`,
        message: `must be a string, got ${describeJsonType(value)}`,
      });
      return;
    }
    const error = validateLabelValue(value);
    if (error !== null) {
      issues.push({ path: `${path}[${index}]`, message: `invalid label ${error}` });
      return;
    }
    values.push(value);
  });
  return values.length === raw.length ? values : undefined;
}

/** A `key: value` map of labels, with Kubernetes' key and value syntax. */
function parseLabelMap(
  raw: unknown,
  path: string,
  issues: ValidationIssue[],
): Record<string, string> | undefined {
  const entries = stringEntries(raw, path, issues);
  if (entries === undefined) return undefined;
  let valid = true;
  for (const [key, value] of entries) {
    const keyError = validateLabelKey(key);
    const valueError = validateLabelValue(value);
    if (keyError !== null)
      issues.push({
        path: `${path}[${JSON.stringify(key)}]`,
        message: `invalid label ${keyError}`,
      });
    if (valueError !== null)
      issues.push({
        path: `${path}[${JSON.stringify(key)}]`,
        message: `invalid label ${valueError}`,
      });
    valid &&= keyError === null && valueError === null;
  }
  return valid ? Object.fromEntries(entries) : undefined;
}

/** A map of strings with any keys (annotations). */
function parseStringMap(
  raw: unknown,
  path: string,
  issues: ValidationIssue[],
): Record<string, string> | undefined {
  const entries = stringEntries(raw, path, issues);
  return entries === undefined ? undefined : Object.fromEntries(entries);
}

function stringEntries(
  raw: unknown,
  path: string,
  issues: ValidationIssue[],
): [string, string][] | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (!isJsonObject(raw)) {
    issues.push({ path, message: `must be an object of strings, got ${describeJsonType(raw)}` });
    return undefined;
  }
  const entries: [string, string][] = [];
  let valid = true;
  for (const [key, value] of Object.entries(raw)) {
    if (typeof value === 'string') {
      entries.push([key, value]);
    } else {
      issues.push({
        path: `${path}[${JSON.stringify(key)}]`,
        message: `must be a string, got ${describeJsonType(value)}`,
      });
      valid = false;
    }
  }
  return valid ? entries : undefined;
}
