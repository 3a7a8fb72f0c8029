import type { ValidationIssue } from '../errors/PolicyValidationError.js';
import type {
  LabelSelector,
  LabelSelectorOperator,
  LabelSelectorRequirement,
} from '../models/LabelSelector.js';
import { describeJsonType, isJsonObject } from './jsonShapes.js';
import { parseLabelMap } from './parseLabelMap.js';
import { validateLabelKey } from './validateLabelKey.js';
import { validateLabelValue } from './validateLabelValue.js';

const OPERATORS: readonly LabelSelectorOperator[] = ['In', 'NotIn', 'Exists', 'DoesNotExist'];

/**
 * Validates a label selector at `path` as Kubernetes does (`ValidateLabelSelector`, and what
 * `LabelSelectorAsSelector` refuses): label keys and values, operators (case-sensitive),
 * `In`/`NotIn` with values, `Exists`/`DoesNotExist` without. Returns a copy, or undefined when
 * it is absent (null counts as absent) or invalid;
 * issues say which.
 */
export function parseLabelSelector(
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

function quote(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : describeJsonType(value);
}
