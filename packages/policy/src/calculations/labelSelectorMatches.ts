import type { LabelSelector, LabelSelectorRequirement } from '../models/LabelSelector.js';
import { labelValue } from './labelValue.js';

/**
 * Tests labels against a Kubernetes label selector, with Kubernetes' rules:
 * - every `matchLabels` entry and every `matchExpressions` term must hold;
 * - `In`: the key is present and its value is listed; `NotIn`: the key is absent or its value is
 *   not listed; `Exists`: the key is present (any value, even empty); `DoesNotExist`: it is absent;
 * - `{}` (no entries, no terms) matches any labels; a null or undefined selector matches nothing.
 *
 * A term Kubernetes would refuse (unknown operator, `In`/`NotIn` without values) matches nothing,
 * so a selector that slipped past validation never widens a match. Null `matchLabels` or
 * `matchExpressions` (as raw JSON may carry) count as absent.
 */
export function labelSelectorMatches(
  selector: LabelSelector | null | undefined,
  labels: Readonly<Record<string, string>>,
): boolean {
  if (selector === null || selector === undefined) return false;
  const matchLabels = selector.matchLabels as Readonly<Record<string, string>> | null | undefined;
  if (matchLabels !== undefined && matchLabels !== null) {
    for (const key in matchLabels) {
      if (labelValue(labels, key) !== matchLabels[key]) return false;
    }
  }
  const expressions = selector.matchExpressions as
    readonly LabelSelectorRequirement[] | null | undefined;
  if (expressions !== undefined && expressions !== null) {
    for (const requirement of expressions) {
      if (!requirementMatches(requirement, labelValue(labels, requirement.key))) return false;
    }
  }
  return true;
}

/**
 * Whether one `matchExpressions` term holds for a label value (`undefined` when the label is
 * absent).
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
      return actual !== undefined;
    case 'DoesNotExist':
      return actual === undefined;
    default:
      return false;
  }
}
