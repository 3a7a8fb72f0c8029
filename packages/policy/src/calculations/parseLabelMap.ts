import type { ValidationIssue } from '../errors/PolicyValidationError.js';
import { describeJsonType, isJsonObject } from './jsonShapes.js';
import { validateLabelKey } from './validateLabelKey.js';
import { validateLabelValue } from './validateLabelValue.js';

/**
 * Validates a `key: value` map of labels (`metadata.labels`, a selector's `matchLabels`) with
 * Kubernetes' key and value syntax (`ValidateLabels`), pushing one issue per bad entry at
 * `path["key"]`.
 *
 * @returns a copy of the map, or undefined when it is absent (null counts as absent) or invalid
 */
export function parseLabelMap(
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

/**
 * The entries of a JSON object whose members must all be strings, or undefined when it is
 * absent (or null) or not such an object; issues say which.
 */
export function stringEntries(
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
