/**
 * The operators a Kubernetes label selector requirement may use.
 *
 * `NotIn` and `DoesNotExist` also match objects that do not carry the key at all.
 */
export type LabelSelectorOperator = 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';

/** One `matchExpressions` term of a Kubernetes label selector. */
export interface LabelSelectorRequirement {
  /** The label key the term tests. */
  readonly key: string;
  /** How the label's value is tested. */
  readonly operator: LabelSelectorOperator;
  /** Required and non-empty for `In` / `NotIn`; absent or empty for `Exists` / `DoesNotExist`. */
  readonly values?: readonly string[];
}

/**
 * A Kubernetes label selector (`metav1.LabelSelector`).
 *
 * Every `matchLabels` entry and every `matchExpressions` term must hold (AND). A selector with
 * neither (`{}`) matches every object; an absent selector (`null`/`undefined`) matches nothing.
 */
export interface LabelSelector {
  /** `key: value` pairs the labels must contain exactly. */
  readonly matchLabels?: Readonly<Record<string, string>>;
  /** Further terms, all of which must hold. */
  readonly matchExpressions?: readonly LabelSelectorRequirement[];
}
