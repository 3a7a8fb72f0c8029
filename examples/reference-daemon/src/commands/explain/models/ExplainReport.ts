import type { ManifestSource } from './ManifestSource.js';

/**
 * Everything `podsgd explain` found out, as printed by `--json`. Field order and names
 * are part of the command's interface (see the package README).
 */
export interface ExplainReport {
  readonly pod: ExplainedPod;
  /** The pod's service account, or null when its labels are unknown (no file given). */
  readonly serviceAccount: ExplainedServiceAccount | null;
  /**
   * Every valid policy: those in the pod's namespace first (by name), then the others
   * (by namespace, then name), which are not applicable.
   */
  readonly policies: readonly PolicyExplanation[];
  /** Documents that look like SecurityGroupPolicies but fail validation. */
  readonly invalidPolicies: readonly InvalidPolicy[];
  /** Documents skipped on purpose: other kinds, and policies a later definition replaced. */
  readonly ignoredDocuments: readonly IgnoredDocument[];
  /** The outcome, as the policy index resolves it. */
  readonly result: {
    /** Union of the matching policies' groups, unique and sorted. Empty: no branch ENI. */
    readonly groupIds: readonly string[];
    /** Matching policies, sorted by name. */
    readonly policies: readonly { readonly namespace: string; readonly name: string }[];
  };
  /** Things the operator should know that are not tied to one policy. */
  readonly notes: readonly string[];
}

/** The pod the policies were evaluated for. */
export interface ExplainedPod {
  readonly namespace: string;
  /** Null when the manifest has no `metadata.name` (for example it uses `generateName`). */
  readonly name: string | null;
  readonly serviceAccountName: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly source: ManifestSource;
}

/** The pod's service account, whose labels `serviceAccountSelector`s are tested against. */
export interface ExplainedServiceAccount {
  readonly namespace: string;
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly source: ManifestSource;
}

/** Why one valid policy does or does not select the pod. */
export interface PolicyExplanation {
  readonly namespace: string;
  readonly name: string;
  readonly source: ManifestSource;
  readonly groupIds: readonly string[];
  /** False when the policy lives in another namespace (policies are namespace-scoped). */
  readonly applicable: boolean;
  readonly matched: boolean;
  /** One line saying why, e.g. `podSelector failed: 1 of 2 terms failed`. */
  readonly reason: string;
  /** Both selectors, podSelector first; empty when not applicable. */
  readonly selectors: readonly SelectorExplanation[];
}

/** How one selector of a policy fared. */
export interface SelectorExplanation {
  readonly field: 'podSelector' | 'serviceAccountSelector';
  /**
   * `matched`/`failed`: evaluated; `not-set`: the policy does not set it (no constraint);
   * `labels-unknown`: a serviceAccountSelector with no service account given, which
   * does not match.
   */
  readonly outcome: 'matched' | 'failed' | 'not-set' | 'labels-unknown';
  readonly reason: string;
  /** Every matchLabels entry, then every matchExpressions term, in manifest order. */
  readonly terms: readonly TermExplanation[];
}

/** One matchLabels entry or matchExpressions term and its verdict. */
export interface TermExplanation {
  /** Where the term is in the policy, e.g. `spec.podSelector.matchExpressions[0]`. */
  readonly path: string;
  /** The term as an operator reads it: `app=web`, `tier In [frontend]`, `canary DoesNotExist`. */
  readonly requirement: string;
  readonly matched: boolean;
  /** What the object has: `pod has app=web`, `pod has no label tier`. */
  readonly reason: string;
}

/** A document that should have been a SecurityGroupPolicy but is not valid. */
export interface InvalidPolicy {
  readonly source: ManifestSource;
  /** `namespace/name` when the document has them, for recognition; null otherwise. */
  readonly policy: string | null;
  /** Each problem with the field it is about (`spec.securityGroups.groupIds[1]`). */
  readonly issues: readonly { readonly path: string; readonly message: string }[];
}

/** A document that was read but deliberately not used. */
export interface IgnoredDocument {
  readonly source: ManifestSource;
  /** `apiVersion kind namespace/name` as far as the document has them. */
  readonly object: string;
  readonly reason: string;
}
