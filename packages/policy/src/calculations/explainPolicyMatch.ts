import type { LabelSelector } from '../models/LabelSelector.js';
import type {
  PolicyMatchExplanation,
  SelectorExplanation,
  SelectorTermExplanation,
} from '../models/PolicyMatchExplanation.js';
import type { PodIdentity } from '../models/PodIdentity.js';
import type { SecurityGroupPolicy } from '../models/SecurityGroupPolicy.js';
import { requirementMatches } from './labelSelectorMatches.js';
import { labelValue } from './labelValue.js';

type Labels = Readonly<Record<string, string>>;

/**
 * Explains, term by term, whether a policy applies to a pod; the basis of `podsgd explain`.
 *
 * The verdict (`matches`) is exactly what `PolicyIndex.resolve` decides for this policy:
 * - the pod must be in the policy's namespace;
 * - each selector the policy sets must match (`podSelector` against the pod's labels,
 *   `serviceAccountSelector` against `serviceAccountLabels`); a selector it does not set is no
 *   constraint, but a policy that sets neither matches nothing;
 * - when `serviceAccountLabels` is null or undefined the service account is unknown and a
 *   `serviceAccountSelector` does not match.
 *
 * Every term is reported, even after one has failed, so a reader sees all reasons at once:
 * `matchLabels` entries in object order with operator `Equals`, then `matchExpressions` terms,
 * each with the label's actual value and a one-sentence reason.
 */
export function explainPolicyMatch(
  policy: SecurityGroupPolicy,
  pod: PodIdentity,
  serviceAccountLabels?: Labels | null,
): PolicyMatchExplanation {
  const { namespace, name } = policy.metadata;
  const namespaceMatches = pod.namespace === namespace;
  const podSelector = explainSelector(
    'podSelector',
    policy.spec.podSelector,
    pod.labels ?? {},
    'pod',
  );
  const serviceAccountSelector = explainSelector(
    'serviceAccountSelector',
    policy.spec.serviceAccountSelector,
    serviceAccountLabels ?? null,
    serviceAccountName(pod),
  );
  const anySelector = podSelector.set || serviceAccountSelector.set;
  const matches =
    namespaceMatches && anySelector && podSelector.matches && serviceAccountSelector.matches;
  return {
    policy: { namespace, name },
    matches,
    namespaceMatches,
    podSelector,
    serviceAccountSelector,
    groupIds: [...new Set(policy.spec.securityGroups.groupIds)].sort(),
    reason: policyReason(policy, pod, {
      namespaceMatches,
      anySelector,
      podSelector,
      serviceAccountSelector,
    }),
  };
}

function serviceAccountName(pod: PodIdentity): string {
  return `service account ${pod.serviceAccountName ?? 'default'}`;
}

function policyReason(
  policy: SecurityGroupPolicy,
  pod: PodIdentity,
  outcome: {
    namespaceMatches: boolean;
    anySelector: boolean;
    podSelector: SelectorExplanation;
    serviceAccountSelector: SelectorExplanation;
  },
): string {
  const { namespace, name } = policy.metadata;
  const subject = `policy ${namespace}/${name}`;
  if (!outcome.namespaceMatches) {
    return `${subject} does not apply: it only applies to pods of namespace ${namespace}, and the pod is in ${pod.namespace}`;
  }
  if (!outcome.anySelector) {
    return `${subject} does not apply: it sets neither podSelector nor serviceAccountSelector`;
  }
  const failed = [outcome.podSelector, outcome.serviceAccountSelector].filter((s) => !s.matches);
  if (failed.length === 0)
    return `${subject} applies: ${outcome.podSelector.reason}; ${outcome.serviceAccountSelector.reason}`;
  return `${subject} does not apply: ${failed.map((s) => s.reason).join('; ')}`;
}

function explainSelector(
  which: 'podSelector' | 'serviceAccountSelector',
  selector: LabelSelector | undefined,
  labels: Labels | null,
  owner: string,
): SelectorExplanation {
  if (selector === undefined) {
    return {
      selector: which,
      set: false,
      labelsKnown: labels !== null,
      matchesEverything: false,
      matches: true,
      terms: [],
      reason: `${which} is not set, so it places no constraint`,
    };
  }
  const terms: SelectorTermExplanation[] = [];
  Object.entries(selector.matchLabels ?? {}).forEach(([key, value], index) => {
    const actual = labels === null ? undefined : labelValue(labels, key);
    terms.push({
      path: `spec.${which}.matchLabels[${JSON.stringify(key)}]`,
      source: 'matchLabels',
      index,
      key,
      operator: 'Equals',
      values: [value],
      actual: actual ?? null,
      matches: labels !== null && actual === value,
      reason:
        labels === null
          ? unknownLabelsReason(owner)
          : actual === undefined
            ? `label ${key} is absent, but must be ${JSON.stringify(value)}`
            : actual === value
              ? `label ${key} is ${JSON.stringify(value)} as required`
              : `label ${key} is ${JSON.stringify(actual)}, but must be ${JSON.stringify(value)}`,
    });
  });
  (selector.matchExpressions ?? []).forEach((requirement, index) => {
    const actual = labels === null ? undefined : labelValue(labels, requirement.key);
    const values = requirement.values ?? [];
    terms.push({
      path: `spec.${which}.matchExpressions[${index}]`,
      source: 'matchExpressions',
      index,
      key: requirement.key,
      operator: requirement.operator,
      values,
      actual: actual ?? null,
      matches: labels !== null && requirementMatches(requirement, actual),
      reason:
        labels === null
          ? unknownLabelsReason(owner)
          : expressionReason(requirement.key, requirement.operator, values, actual),
    });
  });
  const matchesEverything = terms.length === 0;
  const failed = terms.filter((term) => !term.matches);
  const matches = labels !== null && failed.length === 0;
  return {
    selector: which,
    set: true,
    labelsKnown: labels !== null,
    matchesEverything,
    matches,
    terms,
    reason:
      labels === null
        ? `${which} cannot match: the ${owner} is unknown`
        : matchesEverything
          ? `${which} is {}, which matches every ${owner}`
          : matches
            ? `${which} matches the ${owner} (all ${terms.length} ${terms.length === 1 ? 'term holds' : 'terms hold'})`
            : `${which} does not match the ${owner}: ${failed.map((term) => term.reason).join('; ')}`,
  };
}

function unknownLabelsReason(owner: string): string {
  return `the ${owner} is unknown, so its labels cannot be tested`;
}

function expressionReason(
  key: string,
  operator: string,
  values: readonly string[],
  actual: string | undefined,
): string {
  const list = `[${values.map((value) => JSON.stringify(value)).join(', ')}]`;
  const is = actual === undefined ? '' : JSON.stringify(actual);
  switch (operator) {
    case 'In':
      if (actual === undefined) return `label ${key} is absent, but must be one of ${list}`;
      return values.includes(actual)
        ? `label ${key} is ${is}, which is in ${list}`
        : `label ${key} is ${is}, which is not in ${list}`;
    case 'NotIn':
      if (values.length === 0) return `NotIn on ${key} has no values, which Kubernetes refuses`;
      if (actual === undefined) return `label ${key} is absent, which NotIn ${list} accepts`;
      return values.includes(actual)
        ? `label ${key} is ${is}, which is in ${list} but must not be`
        : `label ${key} is ${is}, which is not in ${list}`;
    case 'Exists':
      return actual === undefined
        ? `label ${key} is absent, but must exist`
        : `label ${key} exists (value ${is})`;
    case 'DoesNotExist':
      return actual === undefined
        ? `label ${key} is absent as required`
        : `label ${key} exists (value ${is}), but must not`;
    default:
      return `operator ${JSON.stringify(operator)} is unknown, so the term matches nothing`;
  }
}
