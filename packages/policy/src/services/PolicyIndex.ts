import { requirementMatches } from '../calculations/labelSelectorMatches.js';
import { labelValue } from '../calculations/labelValue.js';
import { parseSecurityGroupPolicy } from '../calculations/parseSecurityGroupPolicy.js';
import type { LabelSelector, LabelSelectorRequirement } from '../models/LabelSelector.js';
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
      readonly implied: ImpliedTerm;
    }
  | {
      readonly side: Side;
      readonly kind: 'key';
      readonly key: string;
      readonly implied: ImpliedTerm;
    }
  | { readonly side: Side; readonly kind: 'always' };

/**
 * The term a policy is filed by. Reaching the policy through its bucket proves that term holds
 * (the labels carry `key=value` for a listed value, or carry `key`), so it is not tested again.
 */
type ImpliedTerm = { readonly matchLabel: string } | { readonly expression: number };

/**
 * What remains to test of one selector once a candidate is reached: `matchLabels` pairs as
 * parallel arrays, then `matchExpressions` terms. Null when nothing remains.
 */
interface SelectorCheck {
  readonly keys: readonly string[];
  readonly values: readonly string[];
  readonly terms: readonly LabelSelectorRequirement[];
}

interface IndexedPolicy {
  readonly namespace: string;
  readonly name: string;
  readonly policy: SecurityGroupPolicy;
  /** What to test of the pod's labels; null when nothing (no podSelector, or fully implied). */
  readonly podCheck: SelectorCheck | null;
  /** Whether the policy has a serviceAccountSelector (so the service account must be known). */
  readonly needsServiceAccount: boolean;
  /** What to test of the service account's labels; null when nothing. */
  readonly serviceAccountCheck: SelectorCheck | null;
  /** The policy's groups, unique and sorted, computed once at upsert. */
  readonly groupIds: readonly string[];
  readonly placement: Placement;
}

/**
 * The policies filed in one place. The Set makes adding and removing O(1); `resolve` walks an
 * array copy, taken on the first walk after a change: the copy costs no more than the walk it
 * precedes, and a walk over an array touches less memory than one over a Set.
 */
class Bucket {
  readonly #members = new Set<IndexedPolicy>();
  #list: readonly IndexedPolicy[] | null = null;

  get size(): number {
    return this.#members.size;
  }

  add(entry: IndexedPolicy): void {
    this.#members.add(entry);
    this.#list = null;
  }

  delete(entry: IndexedPolicy): void {
    this.#members.delete(entry);
    this.#list = null;
  }

  /** The members, as an array that stays valid until the next change. */
  list(): readonly IndexedPolicy[] {
    return (this.#list ??= [...this.#members]);
  }
}

/** The policies filed under one label key. */
class KeyPostings {
  readonly byValue = new Map<string, Bucket>();
  /** Filed under the mere presence of the key (`Exists`); null when none. */
  anyValue: Bucket | null = null;
}

/** Postings of one side (pod or service account labels) of one namespace. */
class SelectorPostings {
  readonly byKey = new Map<string, KeyPostings>();
  readonly always = new Bucket();

  /** How many policies are filed under `key=value` (0 when none). */
  valueCount(key: string, value: string): number {
    return this.byKey.get(key)?.byValue.get(value)?.size ?? 0;
  }

  /** How many policies are filed under the presence of `key`. */
  keyCount(key: string): number {
    return this.byKey.get(key)?.anyValue?.size ?? 0;
  }

  add(entry: IndexedPolicy, placement: Placement): void {
    if (placement.kind === 'always') {
      this.always.add(entry);
      return;
    }
    let postings = this.byKey.get(placement.key);
    if (postings === undefined) {
      postings = new KeyPostings();
      this.byKey.set(placement.key, postings);
    }
    if (placement.kind === 'key') {
      (postings.anyValue ??= new Bucket()).add(entry);
      return;
    }
    for (const value of placement.values) {
      let filed = postings.byValue.get(value);
      if (filed === undefined) {
        filed = new Bucket();
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
      postings.anyValue?.delete(entry);
      if (postings.anyValue?.size === 0) postings.anyValue = null;
    } else {
      for (const value of placement.values) {
        const filed = postings.byValue.get(value);
        if (filed === undefined) continue;
        filed.delete(entry);
        if (filed.size === 0) postings.byValue.delete(value);
      }
    }
    if (postings.byValue.size === 0 && postings.anyValue === null) {
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
        const value: unknown = probe[key];
        // Only string values are labels (as labelValue has it).
        if (typeof value !== 'string') continue;
        if (postings.anyValue !== null) {
          verifyInto(postings.anyValue.list(), podLabels, serviceAccountLabels, matched);
        }
        const filed = postings.byValue.get(value);
        if (filed !== undefined) {
          verifyInto(filed.list(), podLabels, serviceAccountLabels, matched);
        }
      }
    }
    if (this.always.size > 0) {
      verifyInto(this.always.list(), podLabels, serviceAccountLabels, matched);
    }
  }
}

function verifyInto(
  candidates: readonly IndexedPolicy[],
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
  if (entry.podCheck !== null && !checkHolds(entry.podCheck, podLabels)) return false;
  if (entry.needsServiceAccount) {
    if (serviceAccountLabels === null) return false;
    const check = entry.serviceAccountCheck;
    if (check !== null && !checkHolds(check, serviceAccountLabels)) return false;
  }
  return true;
}

/** Kubernetes' rules (as labelSelectorMatches) on what remains of a validated selector. */
function checkHolds(check: SelectorCheck, labels: Labels): boolean {
  const { keys, values, terms } = check;
  for (let i = 0; i < keys.length; i++) {
    if (labelValue(labels, keys[i] as string) !== values[i]) return false;
  }
  for (const term of terms) {
    if (!requirementMatches(term, labelValue(labels, term.key))) return false;
  }
  return true;
}

/** The checks of a selector, less the term its placement implies; null when none remain. */
function compileCheck(
  selector: LabelSelector | undefined,
  implied: ImpliedTerm | undefined,
): SelectorCheck | null {
  if (selector === undefined) return null;
  const keys: string[] = [];
  const values: string[] = [];
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    if (implied !== undefined && 'matchLabel' in implied && implied.matchLabel === key) continue;
    keys.push(key);
    values.push(value);
  }
  const terms = (selector.matchExpressions ?? []).filter(
    (_term, index) =>
      implied === undefined || !('expression' in implied) || implied.expression !== index,
  );
  return keys.length === 0 && terms.length === 0 ? null : { keys, values, terms };
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
  /** Reused by `resolve` (synchronous, so never in use twice) to spare an allocation per pod. */
  readonly #matched: IndexedPolicy[] = [];

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
    const placement = choosePlacement(namespace, podSelector, serviceAccountSelector);
    const implied = placement.kind === 'always' ? undefined : placement.implied;
    const entry: IndexedPolicy = {
      namespace: namespaceName,
      name,
      policy: valid,
      podCheck: compileCheck(podSelector, placement.side === 'pod' ? implied : undefined),
      needsServiceAccount: serviceAccountSelector !== undefined,
      serviceAccountCheck: compileCheck(
        serviceAccountSelector,
        placement.side === 'serviceAccount' ? implied : undefined,
      ),
      groupIds: [...new Set(valid.spec.securityGroups.groupIds)].sort(),
      placement,
    };
    namespace.byName.set(name, entry);
    namespace.postings(entry.placement.side).add(entry, entry.placement);
    if (entry.needsServiceAccount) namespace.serviceAccountSelectors += 1;
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
    if (entry.needsServiceAccount) policies.serviceAccountSelectors -= 1;
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
    const matched = this.#matched;
    matched.length = 0;
    namespace.pod.collect(podLabels, podLabels, accountLabels, matched);
    if (accountLabels !== null) {
      namespace.serviceAccount.collect(accountLabels, podLabels, accountLabels, matched);
    }
    const resolution = toResolution(matched);
    matched.length = 0;
    return resolution;
  }
}

/** The answer for the matched policies (which it may reorder); it keeps no reference to them. */
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
      choice.equality = {
        side,
        kind: 'values',
        key,
        values: [value],
        implied: { matchLabel: key },
      };
    }
  }
  for (const [index, requirement] of (selector.matchExpressions ?? []).entries()) {
    if (requirement.operator === 'In') {
      const values = [...new Set(requirement.values)];
      let cost = 0;
      for (const value of values) cost += postings.valueCount(requirement.key, value);
      // A term over several values puts the policy in front of more pods: break ties against it.
      cost += (values.length - 1) * 0.5;
      if (cost < choice.equalityCost) {
        choice.equalityCost = cost;
        choice.equality = {
          side,
          kind: 'values',
          key: requirement.key,
          values,
          implied: { expression: index },
        };
      }
    } else if (requirement.operator === 'Exists') {
      const cost = postings.keyCount(requirement.key);
      if (cost < choice.presenceCost) {
        choice.presenceCost = cost;
        choice.presence = {
          side,
          kind: 'key',
          key: requirement.key,
          implied: { expression: index },
        };
      }
    }
  }
}
