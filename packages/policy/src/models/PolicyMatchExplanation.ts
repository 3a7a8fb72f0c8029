import type { LabelSelectorOperator } from './LabelSelector.js';

/**
 * Why one term of a label selector held or not for given labels.
 *
 * A `matchLabels` entry is reported with operator `Equals` and its one value.
 */
export interface SelectorTermExplanation {
  /**
   * Where the term sits in the policy, e.g. `spec.podSelector.matchLabels["app"]` or
   * `spec.serviceAccountSelector.matchExpressions[1]`.
   */
  readonly path: string;
  /** Which list the term comes from. */
  readonly source: 'matchLabels' | 'matchExpressions';
  /** The term's position in its list (object order for `matchLabels`). */
  readonly index: number;
  /** The label key the term tests. */
  readonly key: string;
  /** `Equals` for a `matchLabels` entry, the expression's operator otherwise. */
  readonly operator: 'Equals' | LabelSelectorOperator;
  /** The values the term compares with (empty for `Exists` / `DoesNotExist`). */
  readonly values: readonly string[];
  /** The label's value on the object, or null when the label is absent or the labels are unknown. */
  readonly actual: string | null;
  /** Whether the term holds. */
  readonly matches: boolean;
  /** One sentence saying why, e.g. `label app is "web", which is not in [api, db]`. */
  readonly reason: string;
}

/** How one selector of a policy (`podSelector` or `serviceAccountSelector`) judged the pod. */
export interface SelectorExplanation {
  /** Which selector this is. */
  readonly selector: 'podSelector' | 'serviceAccountSelector';
  /** False when the policy does not set this selector: then it is no constraint and `matches` is true. */
  readonly set: boolean;
  /**
   * False when the labels to test are unknown (a service account that could not be found):
   * a set selector then does not match, and every term reports `matches: false`.
   */
  readonly labelsKnown: boolean;
  /** True when the selector is set and empty (`{}`), which matches any labels. */
  readonly matchesEverything: boolean;
  /** Whether this selector lets the pod through. */
  readonly matches: boolean;
  /** Every term in policy order: `matchLabels` entries first, then `matchExpressions`. */
  readonly terms: readonly SelectorTermExplanation[];
  /** One sentence summarising the outcome. */
  readonly reason: string;
}

/** The full reasoning of `explainPolicyMatch` for one policy and one pod. */
export interface PolicyMatchExplanation {
  /** The policy explained. */
  readonly policy: { readonly namespace: string; readonly name: string };
  /** Whether the policy applies to the pod: same namespace, and both selectors let it through. */
  readonly matches: boolean;
  /** Whether the namespaces agree (a policy applies to pods of its own namespace only). */
  readonly namespaceMatches: boolean;
  readonly podSelector: SelectorExplanation;
  readonly serviceAccountSelector: SelectorExplanation;
  /** The policy's groups, unique and sorted; the pod gets them when `matches` is true. */
  readonly groupIds: readonly string[];
  /** One sentence summarising the outcome. */
  readonly reason: string;
}
