import { validLabelSelectorMatches } from '../calculations/labelSelectorMatches.js';
import { parseSecurityGroupPolicy } from '../calculations/parseSecurityGroupPolicy.js';
import type { LabelSelector } from '../models/LabelSelector.js';
import type { PodIdentity } from '../models/PodIdentity.js';
import type { SecurityGroupPolicy } from '../models/SecurityGroupPolicy.js';
import type {
  PolicyReference,
  SecurityGroupResolution,
} from '../models/SecurityGroupResolution.js';

type Labels = Readonly<Record<string, string>>;

/** Which labels a policy is filed under: the pod's, or its service account's. */
type Side = 'pod' | 'serviceAccount';

/**
 * Where a policy is filed. Each policy is filed exactly once, so a pod (which has one value per
 * key) reaches each candidate at most once and candidates need no de-duplication.
 * - `values`: under `key=value` for each value (a `matchLabels` pair or an `In` term);
 * - `key`: under the mere presence of `key` (an `Exists` term);
 * - `always`: a candidate for every pod (`{}`, or only `NotIn` / `DoesNotExist` terms).
 */
type Placement =
  | {
      readonly side: Side;
      readonly kind: 'values';
      readonly key: string;
      readonly values: readonly string[];
    }
  | { readonly side: Side; readonly kind: 'key'; readonly key: string }
  | { readonly side: Side; readonly kind: 'always' };

interface IndexedPolicy {
  readonly namespace: string;
  readonly name: string;
  readonly policy: SecurityGroupPolicy;
  readonly podSelector: LabelSelector | undefined;
  readonly serviceAccountSelector: LabelSelector | undefined;
  /** The policy's groups, unique and sorted, computed once at upsert. */
  readonly groupIds: readonly string[];
  readonly placement: Placement;
}

/** The policies filed under one label key. */
interface KeyPostings {
  readonly byValue: Map<string, Set<IndexedPolicy>>;
  readonly anyValue: Set<IndexedPolicy>;
}

/** Postings of one side (pod or service account labels) of one namespace. */
class SelectorPostings {
  readonly byKey = new Map<string, KeyPostings>();
  readonly always = new Set<IndexedPolicy>();

  /** How many policies are filed under `key=value` (0 when none). */
  valueCount(key: string, value: string): number {
    return this.byKey.get(key)?.byValue.get(value)?.size ?? 0;
  }

  /** How many policies are filed under the presence of `key`. */
  keyCount(key: string): number {
    return this.byKey.get(key)?.anyValue.size ?? 0;
  }

  add(entry: IndexedPolicy, placement: Placement): void {
    if (placement.kind === 'always') {
      this.always.add(entry);
      return;
    }
    let postings = this.byKey.get(placement.key);
    if (postings === undefined) {
      postings = { byValue: new Map(), anyValue: new Set() };
      this.byKey.set(placement.key, postings);
    }
    if (placement.kind === 'key') {
      postings.anyValue.add(entry);
      return;
    }
    for (const value of placement.values) {
      let filed = postings.byValue.get(value);
      if (filed === undefined) {
        filed = new Set();
        postings.byValue.set(value, filed);
      }
      filed.add(entry);
    }
  }

  delete(entry: IndexedPolicy, placement: Placement): void {
    if (placement.kind === 'always') {
      this.always.delete(entry);
      return;
    }
    const postings = this.byKey.get(placement.key);
    if (postings === undefined) return;
    if (placement.kind === 'key') {
      postings.anyValue.delete(entry);
    } else {
      for (const value of placement.values) {
        const filed = postings.byValue.get(value);
        if (filed === undefined) continue;
        filed.delete(entry);
        if (filed.size === 0) postings.byValue.delete(value);
      }
    }
    if (postings.byValue.size === 0 && postings.anyValue.size === 0) {
      this.byKey.delete(placement.key);
    }
  }

  /**
   * Appends to `matched` every policy filed here that admits the pod. `probe` is the label set
   * this side is filed by; candidates are then verified in full against both label sets.
   */
  collect(
    probe: Labels,
    podLabels: Labels,
    serviceAccountLabels: Labels | null,
    matched: IndexedPolicy[],
  ): void {
    if (this.byKey.size > 0) {
      for (const key in probe) {
        const postings = this.byKey.get(key);
        if (postings === undefined) continue;
        if (postings.anyValue.size > 0) {
          verifyInto(postings.anyValue, podLabels, serviceAccountLabels, matched);
        }
        const filed = postings.byValue.get(probe[key] as string);
        if (filed !== undefined) verifyInto(filed, podLabels, serviceAccountLabels, matched);
      }
    }
    if (this.always.size > 0) verifyInto(this.always, podLabels, serviceAccountLabels, matched);
  }
}

function verifyInto(
  candidates: ReadonlySet<IndexedPolicy>,
  podLabels: Labels,
  serviceAccountLabels: Labels | null,
  matched: IndexedPolicy[],
): void {
  for (const entry of candidates) {
    if (admits(entry, podLabels, serviceAccountLabels)) matched.push(entry);
  }
}

/** A selector the policy does not set is no constraint; an unknown service account matches no SA selector. */
function admits(
  entry: IndexedPolicy,
  podLabels: Labels,
  serviceAccountLabels: Labels | null,
): boolean {
  if (entry.podSelector !== undefined && !validLabelSelectorMatches(entry.podSelector, podLabels)) {
    return false;
  }
  if (entry.serviceAccountSelector !== undefined) {
    if (serviceAccountLabels === null) return false;
    if (!validLabelSelectorMatches(entry.serviceAccountSelector, serviceAccountLabels))
      return false;
  }
  return true;
}

class NamespacePolicies {
  readonly byName = new Map<string, IndexedPolicy>();
  readonly pod = new SelectorPostings();
  readonly serviceAccount = new SelectorPostings();
  serviceAccountSelectors = 0;

  postings(side: Side): SelectorPostings {
    return side === 'pod' ? this.pod : this.serviceAccount;
  }
}

const NO_LABELS: Labels = Object.freeze({});

/**
 * The SecurityGroupPolicies of a cluster, indexed so that resolving a pod's groups touches only
 * candidate policies, not every policy of the namespace.
 *
 * Each policy is filed under one term of one of its selectors: a `matchLabels` pair or an `In`
 * term (filed under `key=value` for each value), else an `Exists` term (filed under the key),
 * else in an always-candidate list (`{}`, `NotIn`, `DoesNotExist`). Among several terms it takes
 * the one whose bucket is currently smallest. A policy with no pod selector is filed by its
 * service account selector and is probed only when the service account's labels are known.
 * `resolve` gathers the candidates from the pod's own `key=value` pairs plus the always-lists and
 * verifies each in full. `upsert` and `remove` cost grows with the size of the policy's
 * selectors, never with the number of policies.
 */
export class PolicyIndex {
  readonly #namespaces = new Map<string, NamespacePolicies>();
  #size = 0;

  /** How many policies the index holds. */
  get size(): number {
    return this.#size;
  }

  /**
   * Adds a policy, or replaces the one with the same namespace and name (its old index entries
   * are dropped). The policy is validated and copied first; an invalid one leaves the index as
   * it was.
   *
   * @throws PolicyValidationError of kind `InvalidPolicy`
   */
  upsert(policy: SecurityGroupPolicy): void {
    const valid = parseSecurityGroupPolicy(policy);
    const { namespace: namespaceName, name } = valid.metadata;
    this.remove(namespaceName, name);
    let namespace = this.#namespaces.get(namespaceName);
    if (namespace === undefined) {
      namespace = new NamespacePolicies();
      this.#namespaces.set(namespaceName, namespace);
    }
    const { podSelector, serviceAccountSelector } = valid.spec;
    const entry: IndexedPolicy = {
      namespace: namespaceName,
      name,
      policy: valid,
      podSelector,
      serviceAccountSelector,
      groupIds: [...new Set(valid.spec.securityGroups.groupIds)].sort(),
      placement: choosePlacement(namespace, podSelector, serviceAccountSelector),
    };
    namespace.byName.set(name, entry);
    namespace.postings(entry.placement.side).add(entry, entry.placement);
    if (serviceAccountSelector !== undefined) namespace.serviceAccountSelectors += 1;
    this.#size += 1;
  }

  /**
   * Removes a policy.
   *
   * @returns false when no such policy was there
   */
  remove(namespace: string, name: string): boolean {
    const policies = this.#namespaces.get(namespace);
    const entry = policies?.byName.get(name);
    if (policies === undefined || entry === undefined) return false;
    policies.byName.delete(name);
    policies.postings(entry.placement.side).delete(entry, entry.placement);
    if (entry.serviceAccountSelector !== undefined) policies.serviceAccountSelectors -= 1;
    if (policies.byName.size === 0) this.#namespaces.delete(namespace);
    this.#size -= 1;
    return true;
  }

  /** The policy with this namespace and name, or undefined. */
  get(namespace: string, name: string): SecurityGroupPolicy | undefined {
    return this.#namespaces.get(namespace)?.byName.get(name)?.policy;
  }

  /** Every policy, or those of one namespace, sorted by namespace then name. */
  list(namespace?: string): SecurityGroupPolicy[] {
    const policies: SecurityGroupPolicy[] = [];
    const namespaces = namespace === undefined ? [...this.#namespaces.keys()].sort() : [namespace];
    for (const name of namespaces) {
      const entries = this.#namespaces.get(name)?.byName;
      if (entries === undefined) continue;
      for (const key of [...entries.keys()].sort()) {
        const entry = entries.get(key);
        if (entry !== undefined) policies.push(entry.policy);
      }
    }
    return policies;
  }

  /**
   * Whether any policy of the namespace has a `serviceAccountSelector`, that is whether
   * resolving a pod there needs its service account's labels.
   */
  needsServiceAccount(namespace: string): boolean {
    return (this.#namespaces.get(namespace)?.serviceAccountSelectors ?? 0) > 0;
  }

  /**
   * The groups a pod gets: the union of the groups of every policy of the pod's namespace whose
   * selectors admit it, unique and sorted, and those policies sorted by name.
   *
   * @param serviceAccountLabels - the labels of the pod's ServiceAccount; null or absent when it
   *   is unknown, in which case no policy with a `serviceAccountSelector` matches
   */
  resolve(pod: PodIdentity, serviceAccountLabels?: Labels | null): SecurityGroupResolution {
    const namespace = this.#namespaces.get(pod.namespace);
    if (namespace === undefined) return { groupIds: [], policies: [] };
    const podLabels = pod.labels ?? NO_LABELS;
    const accountLabels = serviceAccountLabels ?? null;
    const matched: IndexedPolicy[] = [];
    namespace.pod.collect(podLabels, podLabels, accountLabels, matched);
    if (accountLabels !== null) {
      namespace.serviceAccount.collect(accountLabels, podLabels, accountLabels, matched);
    }
    return toResolution(matched);
  }
}

function toResolution(matched: IndexedPolicy[]): SecurityGroupResolution {
  const first = matched[0];
  if (first === undefined) return { groupIds: [], policies: [] };
  if (matched.length === 1) {
    return {
      groupIds: first.groupIds.slice(),
      policies: [{ namespace: first.namespace, name: first.name }],
    };
  }
  // Few policies match a pod: insertion sorts beat Array.prototype.sort on such short lists.
  sortByName(matched);
  const all: string[] = [];
  const policies: PolicyReference[] = [];
  for (const entry of matched) {
    policies.push({ namespace: entry.namespace, name: entry.name });
    for (const groupId of entry.groupIds) all.push(groupId);
  }
  sortStrings(all);
  const groupIds: string[] = [];
  let previous = '';
  for (const groupId of all) {
    if (groupId !== previous) groupIds.push(groupId);
    previous = groupId;
  }
  return { groupIds, policies };
}

function sortByName(entries: IndexedPolicy[]): void {
  for (let i = 1; i < entries.length; i++) {
    const entry = entries[i] as IndexedPolicy;
    let j = i - 1;
    while (j >= 0 && (entries[j] as IndexedPolicy).name > entry.name) {
      entries[j + 1] = entries[j] as IndexedPolicy;
      j--;
    }
    entries[j + 1] = entry;
  }
}

function sortStrings(values: string[]): void {
  for (let i = 1; i < values.length; i++) {
    const value = values[i] as string;
    let j = i - 1;
    while (j >= 0 && (values[j] as string) > value) {
      values[j + 1] = values[j] as string;
      j--;
    }
    values[j + 1] = value;
  }
}

/**
 * Picks where to file a policy: the equality term (matchLabels pair or `In` term) of either
 * selector whose buckets currently hold the fewest policies; else the least crowded `Exists`
 * term; else an always-list, on the service account side when the policy has a service account
 * selector (such a policy cannot match while the service account is unknown).
 */
function choosePlacement(
  namespace: NamespacePolicies,
  podSelector: LabelSelector | undefined,
  serviceAccountSelector: LabelSelector | undefined,
): Placement {
  const choice: PlacementChoice = {
    equality: undefined,
    equalityCost: Infinity,
    presence: undefined,
    presenceCost: Infinity,
  };
  considerSelector(choice, namespace.pod, 'pod', podSelector);
  considerSelector(choice, namespace.serviceAccount, 'serviceAccount', serviceAccountSelector);
  return (
    choice.equality ??
    choice.presence ?? {
      side: serviceAccountSelector === undefined ? 'pod' : 'serviceAccount',
      kind: 'always',
    }
  );
}

interface PlacementChoice {
  equality: Placement | undefined;
  equalityCost: number;
  presence: Placement | undefined;
  presenceCost: number;
}

function considerSelector(
  choice: PlacementChoice,
  postings: SelectorPostings,
  side: Side,
  selector: LabelSelector | undefined,
): void {
  if (selector === undefined) return;
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    const cost = postings.valueCount(key, value);
    if (cost < choice.equalityCost) {
      choice.equalityCost = cost;
      choice.equality = { side, kind: 'values', key, values: [value] };
    }
  }
  for (const requirement of selector.matchExpressions ?? []) {
    if (requirement.operator === 'In') {
      const values = [...new Set(requirement.values)];
      let cost = 0;
      for (const value of values) cost += postings.valueCount(requirement.key, value);
      // A term over several values puts the policy in front of more pods: break ties against it.
      cost += (values.length - 1) * 0.5;
      if (cost < choice.equalityCost) {
        choice.equalityCost = cost;
        choice.equality = { side, kind: 'values', key: requirement.key, values };
      }
    } else if (requirement.operator === 'Exists') {
      const cost = postings.keyCount(requirement.key);
      if (cost < choice.presenceCost) {
        choice.presenceCost = cost;
        choice.presence = { side, kind: 'key', key: requirement.key };
      }
    }
  }
}
