import type { PolicyMatchExplanation } from '@podsg/policy';
import type {
  ExplainedPod,
  PolicyExplanation,
  SelectorExplanation,
  TermExplanation,
} from '../models/ExplainReport.js';
import type { ManifestSource } from '../models/ManifestSource.js';

type PolicySelectorExplanation = PolicyMatchExplanation['podSelector'];
type PolicyTermExplanation = PolicySelectorExplanation['terms'][number];

/**
 * Turns `@podsg/policy`'s verdict for one policy into the report's wording: each term
 * as the operator wrote it (`tier In [frontend]`) with what the pod or service account
 * actually has (`pod has no label tier`). Verdicts are taken as given, never recomputed.
 */
export function describePolicyMatch(
  explanation: PolicyMatchExplanation,
  source: ManifestSource,
  pod: ExplainedPod,
): PolicyExplanation {
  const { namespace, name } = explanation.policy;
  const common = { namespace, name, source, groupIds: [...explanation.groupIds] };
  if (!explanation.namespaceMatches) {
    return {
      ...common,
      applicable: false,
      matched: false,
      reason: `policy is in namespace ${namespace}, the pod in ${pod.namespace}`,
      selectors: [],
    };
  }
  const selectors = [
    describeSelector(explanation.podSelector, 'pod', pod),
    describeSelector(explanation.serviceAccountSelector, 'service account', pod),
  ];
  const set = selectors.filter((selector) => selector.outcome !== 'not-set');
  const failed = set.filter((selector) => selector.outcome !== 'matched');
  const reason =
    failed.length === 0
      ? `${set.map((selector) => selector.field).join(' and ')} matched`
      : failed.map((selector) => `${selector.field} ${outcomeWord(selector)}`).join('; ');
  return { ...common, applicable: true, matched: explanation.matches, reason, selectors };
}

function describeSelector(
  selector: PolicySelectorExplanation,
  subject: 'pod' | 'service account',
  pod: ExplainedPod,
): SelectorExplanation {
  const field = selector.selector;
  if (!selector.set) {
    return { field, outcome: 'not-set', reason: 'not set: no constraint', terms: [] };
  }
  const terms = selector.terms.map((term) => describeTerm(term, subject, selector.labelsKnown));
  if (!selector.labelsKnown) {
    return {
      field,
      outcome: 'labels-unknown',
      reason: `labels of service account ${pod.serviceAccountName} unknown: does not match`,
      terms,
    };
  }
  const failedCount = terms.filter((term) => !term.matched).length;
  const reason = selector.matchesEverything
    ? `empty selector {} matches every ${subject}`
    : terms.length === 1
      ? `its one term ${failedCount === 0 ? 'matched' : 'failed'}`
      : failedCount === 0
        ? `all ${terms.length} terms matched`
        : `${failedCount} of ${terms.length} terms failed`;
  return { field, outcome: selector.matches ? 'matched' : 'failed', reason, terms };
}

function describeTerm(
  term: PolicyTermExplanation,
  subject: 'pod' | 'service account',
  labelsKnown: boolean,
): TermExplanation {
  const requirement =
    term.operator === 'Equals'
      ? `${term.key}=${shownValue(term.values[0] ?? '')}`
      : term.operator === 'In' || term.operator === 'NotIn'
        ? `${term.key} ${term.operator} [${term.values.map(shownValue).join(', ')}]`
        : `${term.key} ${term.operator}`;
  const reason = !labelsKnown
    ? `${subject} labels unknown`
    : term.actual === null
      ? `${subject} has no label ${term.key}`
      : `${subject} has ${term.key}=${shownValue(term.actual)}`;
  return { path: term.path, requirement, matched: term.matches, reason };
}

/** Label values as written after `=`; the empty value is shown as `""` so it is visible. */
function shownValue(value: string): string {
  return value === '' ? '""' : value;
}

function outcomeWord(selector: SelectorExplanation): string {
  return selector.outcome === 'labels-unknown'
    ? 'cannot match: service account labels unknown'
    : `failed (${selector.reason})`;
}
