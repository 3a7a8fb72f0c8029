import {
  explainPolicyMatch,
  parseSecurityGroupPolicy,
  PolicyIndex,
  PolicyValidationError,
} from '@podsg/policy';
import type { PodIdentity, SecurityGroupPolicy } from '@podsg/policy';
import type {
  ExplainedPod,
  ExplainedServiceAccount,
  ExplainReport,
  IgnoredDocument,
  InvalidPolicy,
  PolicyExplanation,
} from '../models/ExplainReport.js';
import { findUnknownPolicyFields } from '../../../manifests/calculations/findUnknownPolicyFields.js';
import type { ManifestDocument } from '../models/ManifestDocument.js';
import type { ManifestSource } from '../models/ManifestSource.js';
import { describeKubernetesObject } from './describeKubernetesObject.js';
import { describeManifestSource } from './describeManifestSource.js';
import { describePolicyMatch } from './describePolicyMatch.js';
import { isPlainObject } from './readObjectMeta.js';

/** What {@link explainPod} works on: everything already read from disk. */
export interface ExplainInput {
  readonly pod: ExplainedPod;
  /** The pod's service account, or null when not given (its labels are then unknown). */
  readonly serviceAccount: ExplainedServiceAccount | null;
  /** Every document of the `--policies` files, in reading order. */
  readonly policyDocuments: readonly ManifestDocument[];
  /** Namespace for policies that set none, as `kubectl apply -n` would place them. */
  readonly defaultNamespace: string;
}

/**
 * Evaluates every SecurityGroupPolicy among `policyDocuments` against the pod and says
 * why each does or does not select it. Selector logic and the final groups come from
 * `@podsg/policy` (`explainPolicyMatch`, `PolicyIndex.resolve`); this function only sorts
 * documents into policies, invalid policies and ignored objects, and arranges the report.
 *
 * A later definition of the same namespace/name replaces an earlier one, as repeated
 * `kubectl apply` would; the earlier one is listed as ignored.
 */
export function explainPod(input: ExplainInput): ExplainReport {
  const { pod, serviceAccount } = input;
  const invalidPolicies: InvalidPolicy[] = [];
  const ignoredDocuments: IgnoredDocument[] = [];
  const effective = new Map<string, { policy: SecurityGroupPolicy; source: ManifestSource }>();

  for (const document of input.policyDocuments) {
    const outcome = readPolicyDocument(document, input.defaultNamespace);
    if (outcome.kind === 'invalid') invalidPolicies.push(outcome.invalid);
    else if (outcome.kind === 'ignored') ignoredDocuments.push(outcome.ignored);
    else {
      const { namespace, name } = outcome.policy.metadata;
      const key = `${namespace}/${name}`;
      const earlier = effective.get(key);
      if (earlier !== undefined) {
        ignoredDocuments.push({
          source: earlier.source,
          object: `SecurityGroupPolicy ${key}`,
          reason: `replaced by the later definition at ${describeManifestSource(document.source)}`,
        });
      }
      effective.set(key, { policy: outcome.policy, source: document.source });
    }
  }

  const identity: PodIdentity = {
    namespace: pod.namespace,
    labels: pod.labels,
    serviceAccountName: pod.serviceAccountName,
    ...(pod.name === null ? {} : { name: pod.name }),
  };
  const serviceAccountLabels = serviceAccount?.labels ?? null;
  const index = new PolicyIndex();
  const policies: PolicyExplanation[] = [];
  for (const { policy, source } of effective.values()) {
    index.upsert(policy);
    policies.push(
      describePolicyMatch(explainPolicyMatch(policy, identity, serviceAccountLabels), source, pod),
    );
  }
  policies.sort(
    (a, b) =>
      Number(b.applicable) - Number(a.applicable) ||
      compare(a.namespace, b.namespace) ||
      compare(a.name, b.name),
  );
  const resolution = index.resolve(identity, serviceAccountLabels);

  const notes: string[] = [];
  if (!policies.some((policy) => policy.applicable)) {
    notes.push(`no valid SecurityGroupPolicy is in the pod's namespace ${pod.namespace}`);
  }
  if (serviceAccount === null && index.needsServiceAccount(pod.namespace)) {
    notes.push(
      `labels of service account ${pod.namespace}/${pod.serviceAccountName} are unknown ` +
        '(no --service-account given), so serviceAccountSelectors do not match',
    );
  }
  // Both answers come from @podsg/policy; a disagreement would be a bug there, so say so.
  const explained = policies.filter((policy) => policy.matched).map((policy) => policy.name);
  const resolved = resolution.policies.map((policy) => policy.name);
  if (explained.join('\n') !== [...resolved].sort(compare).join('\n')) {
    notes.push(
      `inconsistent: explanation matches [${explained.join(', ')}] but the index resolves ` +
        `[${resolved.join(', ')}]; the groups shown are the index's`,
    );
  }

  return {
    pod,
    serviceAccount,
    policies,
    invalidPolicies,
    ignoredDocuments,
    result: { groupIds: resolution.groupIds, policies: resolution.policies },
    notes,
  };
}

type PolicyDocumentOutcome =
  | { kind: 'policy'; policy: SecurityGroupPolicy }
  | { kind: 'invalid'; invalid: InvalidPolicy }
  | { kind: 'ignored'; ignored: IgnoredDocument };

/** The API group SecurityGroupPolicy belongs to; anything in it is validated, not ignored. */
const policyApiGroup = 'vpcresources.k8s.aws/';

function readPolicyDocument(
  document: ManifestDocument,
  defaultNamespace: string,
): PolicyDocumentOutcome {
  const { source } = document;
  if (document.yamlError !== undefined) {
    return {
      kind: 'invalid',
      invalid: {
        source,
        policy: null,
        issues: [{ path: '<document>', message: `not valid YAML: ${document.yamlError}` }],
      },
    };
  }
  const content = document.content;
  const apiVersion = isPlainObject(content) ? content['apiVersion'] : undefined;
  const kind = isPlainObject(content) ? content['kind'] : undefined;
  // A typo in apiVersion or kind should be reported, not silently skipped.
  const meantAsPolicy =
    kind === 'SecurityGroupPolicy' ||
    (typeof apiVersion === 'string' && apiVersion.startsWith(policyApiGroup));
  if (!isPlainObject(content) || !meantAsPolicy) {
    return {
      kind: 'ignored',
      ignored: {
        source,
        object: describeKubernetesObject(content),
        reason: 'not a SecurityGroupPolicy',
      },
    };
  }
  const withNamespace = defaultTheNamespace(content, defaultNamespace);
  // Unknown fields (`spec.podSelectr`) are refused as `kubectl apply` refuses them.
  const issues = findUnknownPolicyFields(withNamespace);
  try {
    const policy = parseSecurityGroupPolicy(withNamespace);
    if (issues.length === 0) return { kind: 'policy', policy };
  } catch (error) {
    issues.push(
      ...(PolicyValidationError.is(error)
        ? error.issues
        : [{ path: '<document>', message: `could not be checked: ${String(error)}` }]),
    );
  }
  const label = describeKubernetesObject(withNamespace).split(' ')[2] ?? null;
  return { kind: 'invalid', invalid: { source, policy: label, issues } };
}

/** A copy of `object` with `metadata.namespace` set when it has a metadata object without one. */
function defaultTheNamespace(
  object: Readonly<Record<string, unknown>>,
  namespace: string,
): Readonly<Record<string, unknown>> {
  const metadata = object['metadata'];
  if (!isPlainObject(metadata) || metadata['namespace'] !== undefined) return object;
  return { ...object, metadata: { ...metadata, namespace } };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
