import type { ValidationIssue } from '../errors/PolicyValidationError.js';
import type { LabelSelector, LabelSelectorRequirement } from '../models/LabelSelector.js';
import { isJsonObject } from './jsonShapes.js';
import { labelValue } from './labelValue.js';
import { parseLabelSelector } from './parseLabelSelector.js';

type Labels = Readonly<Record<string, string>>;

/**
 * Tests labels against a Kubernetes label selector, with Kubernetes' rules
 * (`metav1.LabelSelectorAsSelector`, then `Selector.Matches`):
 * - every `matchLabels` entry and every `matchExpressions` term must hold;
 * - `In`: the key is present and its value is listed; `NotIn`: the key is absent or its value is
 *   not listed; `Exists`: the key is present (any value, even empty); `DoesNotExist`: it is absent;
 * - `{}` (no entries, no terms) matches any labels; a null or undefined selector matches nothing.
 *
 * A selector Kubernetes would refuse to convert (an unknown or lower-case operator, `In`/`NotIn`
 * without values, `Exists`/`DoesNotExist` with values, a bad label key or value, or a malformed
 * shape) matches nothing, as it does in EKS, so a selector that slipped past validation never
 * widens a match. Null `matchLabels` or `matchExpressions` (as raw JSON may carry) count as
 * absent. Selectors are treated as immutable: the validity verdict is remembered per object.
 */
export function labelSelectorMatches(
  selector: LabelSelector | null | undefined,
  labels: Labels,
): boolean {
  const valid = validSelectorOf(selector);
  if (valid === null) return false;
  return validLabelSelectorMatches(valid, isJsonObject(labels) ? labels : NO_LABELS);
}

const NO_LABELS: Labels = Object.freeze({});

/** The validated, normalized copy of each selector object seen (null when Kubernetes refuses it). */
const validated = new WeakMap<object, LabelSelector | null>();

/** The selector as Kubernetes would accept it, or null when it is absent or refused. */
function validSelectorOf(selector: unknown): LabelSelector | null {
  if (!isJsonObject(selector)) return null;
  let valid = validated.get(selector);
  if (valid === undefined) {
    const issues: ValidationIssue[] = [];
    valid = parseLabelSelector(selector, 'selector', issues) ?? null;
    if (issues.length > 0) valid = null;
    validated.set(selector, valid);
  }
  return valid;
}

/**
 * `labelSelectorMatches` for a selector already validated (as every selector of a parsed
 * SecurityGroupPolicy is): the hot path of `PolicyIndex.resolve`.
 */
export function validLabelSelectorMatches(selector: LabelSelector, labels: Labels): boolean {
  const { matchLabels, matchExpressions } = selector;
  if (matchLabels !== undefined) {
    for (const key in matchLabels) {
      if (labelValue(labels, key) !== matchLabels[key]) return false;
    }
  }
  if (matchExpressions !== undefined) {
    for (const requirement of matchExpressions) {
      if (!requirementMatches(requirement, labelValue(labels, requirement.key))) return false;
    }
  }
  return true;
}

/**
 * Whether one `matchExpressions` term holds for a label value (`undefined` when the label is
 * absent). A term Kubernetes would refuse (unknown operator, `In`/`NotIn` without values,
 * `Exists`/`DoesNotExist` with values) holds for nothing.
 */
export function requirementMatches(
  requirement: LabelSelectorRequirement,
  actual: string | undefined,
): boolean {
  const values = requirement.values ?? [];
  switch (requirement.operator) {
    case 'In':
      return actual !== undefined && values.includes(actual);
    case 'NotIn':
      return values.length > 0 && (actual === undefined || !values.includes(actual));
    case 'Exists':
      return values.length === 0 && actual !== undefined;
    case 'DoesNotExist':
      return values.length === 0 && actual === undefined;
    default:
      return false;
  }
}
