import { validateDnsSubdomain } from './validateDnsName.js';

/** Kubernetes' "qualified name" part: alphanumerics, '-', '_' and '.', alphanumeric at both ends. */
export const QUALIFIED_NAME_PART = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;

/**
 * Checks a label key as Kubernetes does (`IsQualifiedName`): an optional prefix that is a DNS
 * subdomain of at most 253 characters followed by `/`, then a name of 1 to 63 characters of
 * `[A-Za-z0-9][-A-Za-z0-9_.]*[A-Za-z0-9]`.
 *
 * @returns an error message naming the offending part, or null when the key is valid
 */
export function validateLabelKey(key: string): string | null {
  const parts = key.split('/');
  let name: string;
  if (parts.length === 1) {
    name = key;
  } else if (parts.length === 2) {
    const prefix = parts[0] ?? '';
    name = parts[1] ?? '';
    if (prefix.length === 0) return `key "${key}": prefix part must not be empty`;
    const prefixError = validateDnsSubdomain(prefix);
    if (prefixError !== null) return `key "${key}": prefix part ${prefixError}`;
  } else {
    return `key "${key}": must have at most one '/' (an optional DNS subdomain prefix and a name)`;
  }
  if (name.length === 0) return `key "${key}": name part must not be empty`;
  if (name.length > 63) {
    return `key "${key}": name part must be no more than 63 characters (is ${name.length})`;
  }
  if (!QUALIFIED_NAME_PART.test(name)) {
    return `key "${key}": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character`;
  }
  return null;
}
