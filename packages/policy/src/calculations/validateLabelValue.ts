import { QUALIFIED_NAME_PART } from './validateLabelKey.js';

/**
 * Checks a label value as Kubernetes does: empty, or at most 63 characters of
 * `[A-Za-z0-9][-A-Za-z0-9_.]*[A-Za-z0-9]`.
 *
 * @returns an error message, or null when the value is valid
 */
export function validateLabelValue(value: string): string | null {
  if (value.length === 0) return null;
  if (value.length > 63) {
    return `value "${value}": must be no more than 63 characters (is ${value.length})`;
  }
  if (!QUALIFIED_NAME_PART.test(value)) {
    return `value "${value}": must be empty or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character`;
  }
  return null;
}
