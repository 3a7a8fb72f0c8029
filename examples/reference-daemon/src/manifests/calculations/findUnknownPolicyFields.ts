import type { ValidationIssue } from '@podsg/policy';

const TOP = ['apiVersion', 'kind', 'metadata', 'spec', 'status'] as const;
const SPEC = ['podSelector', 'serviceAccountSelector', 'securityGroups'] as const;
const SELECTOR = ['matchLabels', 'matchExpressions'] as const;
const REQUIREMENT = ['key', 'operator', 'values'] as const;

/**
 * The fields of a SecurityGroupPolicy manifest that its CRD schema does not have, each with
 * its path (`spec.podSelectr`) and, for a likely typo, the field meant. `@podsg/policy` ignores
 * unknown fields as the API server prunes them; `kubectl apply` (strict field validation)
 * refuses them, and so do `podsgd explain` and `podsgd simulate`: a misspelt `podSelector`
 * would otherwise leave a policy that silently matches on its other selector alone.
 */
export function findUnknownPolicyFields(manifest: unknown): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const check = (
    value: unknown,
    path: string,
    known: readonly string[],
  ): Record<string, unknown> | null => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
    const object = value as Record<string, unknown>;
    for (const key of Object.keys(object)) {
      if (known.includes(key)) continue;
      const meant = known.find((candidate) => editDistance(candidate, key) <= 2);
      issues.push({
        path: path === '' ? key : `${path}.${key}`,
        message: `unknown field${meant === undefined ? '' : ` (did you mean ${meant}?)`}`,
      });
    }
    return object;
  };
  const top = check(manifest, '', TOP);
  const spec = check(top?.['spec'], 'spec', SPEC);
  if (spec === null) return issues;
  for (const field of ['podSelector', 'serviceAccountSelector']) {
    const selector = check(spec[field], `spec.${field}`, SELECTOR);
    const expressions = selector?.['matchExpressions'];
    if (Array.isArray(expressions)) {
      expressions.forEach((requirement: unknown, index) => {
        check(requirement, `spec.${field}.matchExpressions[${index}]`, REQUIREMENT);
      });
    }
  }
  check(spec['securityGroups'], 'spec.securityGroups', ['groupIds']);
  return issues;
}

/** Levenshtein distance, for "did you mean"; field names are short. */
function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 2) return 3;
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}
