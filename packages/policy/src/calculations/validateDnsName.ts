const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/**
 * Checks an RFC 1123 DNS label as Kubernetes does for namespace names: at most 63 lowercase
 * alphanumerics or '-', starting and ending with an alphanumeric.
 *
 * @returns an error message, or null when valid
 */
export function validateDnsLabel(value: string): string | null {
  if (value.length === 0) return 'must not be empty';
  if (value.length > 63) return `must be no more than 63 characters (is ${value.length})`;
  if (!DNS1123_LABEL.test(value)) {
    return `"${value}" must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character`;
  }
  return null;
}

/**
 * Checks an RFC 1123 DNS subdomain as Kubernetes does for object names and label key prefixes:
 * at most 253 characters, dot-separated DNS labels.
 *
 * @returns an error message, or null when valid
 */
export function validateDnsSubdomain(value: string): string | null {
  if (value.length === 0) return 'must not be empty';
  if (value.length > 253) return `must be no more than 253 characters (is ${value.length})`;
  if (!DNS1123_SUBDOMAIN.test(value)) {
    return `"${value}" must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character`;
  }
  return null;
}
