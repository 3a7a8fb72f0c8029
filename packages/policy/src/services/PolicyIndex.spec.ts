import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { explainPolicyMatch } from '../calculations/explainPolicyMatch.js';
import { labelSelectorMatches } from '../calculations/labelSelectorMatches.js';
import { PolicyValidationError } from '../errors/PolicyValidationError.js';
import type { LabelSelector, LabelSelectorRequirement } from '../models/LabelSelector.js';
import type { PodIdentity } from '../models/PodIdentity.js';
import type { SecurityGroupPolicy } from '../models/SecurityGroupPolicy.js';
import type { SecurityGroupResolution } from '../models/SecurityGroupResolution.js';
import { PolicyIndex } from './PolicyIndex.js';

const sg = (n: number): string => `sg-${n.toString(16).padStart(8, '0')}`;

function policy(
  name: string,
  selectors: { pod?: LabelSelector; serviceAccount?: LabelSelector },
  groupIds: readonly string[],
  namespace = 'default',
): SecurityGroupPolicy {
  return {
    apiVersion: 'vpcresources.k8s.aws/v1beta1',
    kind: 'SecurityGroupPolicy',
    metadata: { name, namespace },
    spec: {
      ...(selectors.pod !== undefined && { podSelector: selectors.pod }),
      ...(selectors.serviceAccount !== undefined && {
        serviceAccountSelector: selectors.serviceAccount,
      }),
      securityGroups: { groupIds },
    },
  };
}

function indexOf(...policies: SecurityGroupPolicy[]): PolicyIndex {
  const index = new PolicyIndex();
  for (const each of policies) index.upsert(each);
  return index;
}

const names = (resolution: SecurityGroupResolution): string[] =>
  resolution.policies.map((p) => p.name);

describe('PolicyIndex', () => {
  it('applies a policy to pods of its own namespace only', () => {
    const index = indexOf(
      policy('web', { pod: { matchLabels: { app: 'web' } } }, [sg(1)], 'shop'),
      policy('all', { pod: {} }, [sg(2)], 'shop'),
    );
    expect(index.resolve({ namespace: 'shop', labels: { app: 'web' } }).groupIds).toEqual([
      sg(1),
      sg(2),
    ]);
    expect(index.resolve({ namespace: 'blog', labels: { app: 'web' } })).toEqual({
      groupIds: [],
      policies: [],
    });
    expect(index.resolve({ namespace: 'default' }).groupIds).toEqual([]);
  });

  it('unions the groups of all matching policies, unique and sorted, policies sorted by name', () => {
    const index = indexOf(
      policy('zeta', { pod: { matchLabels: { app: 'web' } } }, [sg(9), sg(3), sg(3)]),
      policy(
        'alpha',
        { pod: { matchExpressions: [{ key: 'app', operator: 'In', values: ['web', 'api'] }] } },
        [sg(3), sg(1)],
      ),
      policy('mid', { pod: { matchExpressions: [{ key: 'canary', operator: 'DoesNotExist' }] } }, [
        sg(5),
      ]),
      policy('other', { pod: { matchLabels: { app: 'api' } } }, [sg(7)]),
    );
    const resolution = index.resolve({ namespace: 'default', labels: { app: 'web' } });
    expect(resolution).toEqual({
      groupIds: [sg(1), sg(3), sg(5), sg(9)],
      policies: [
        { namespace: 'default', name: 'alpha' },
        { namespace: 'default', name: 'mid' },
        { namespace: 'default', name: 'zeta' },
      ],
    });
    expect(resolution.groupIds).toEqual([...resolution.groupIds].sort());
  });

  it('matches {} against every pod of the namespace, labelled or not', () => {
    const index = indexOf(policy('everyone', { pod: {} }, [sg(1)]));
    expect(names(index.resolve({ namespace: 'default' }))).toEqual(['everyone']);
    expect(names(index.resolve({ namespace: 'default', labels: { a: 'b' } }))).toEqual([
      'everyone',
    ]);
  });

  it('finds policies filed by every kind of term', () => {
    const index = indexOf(
      policy('equal', { pod: { matchLabels: { app: 'web', tier: 'front' } } }, [sg(1)]),
      policy(
        'in',
        { pod: { matchExpressions: [{ key: 'tier', operator: 'In', values: ['front', 'edge'] }] } },
        [sg(2)],
      ),
      policy('exists', { pod: { matchExpressions: [{ key: 'team', operator: 'Exists' }] } }, [
        sg(3),
      ]),
      policy(
        'notin',
        { pod: { matchExpressions: [{ key: 'env', operator: 'NotIn', values: ['prod'] }] } },
        [sg(4)],
      ),
      policy('empty-value', { pod: { matchLabels: { flag: '' } } }, [sg(5)]),
    );
    expect(
      names(index.resolve({ namespace: 'default', labels: { app: 'web', tier: 'front' } })),
    ).toEqual(['equal', 'in', 'notin']);
    expect(
      names(
        index.resolve({ namespace: 'default', labels: { tier: 'edge', team: '', env: 'prod' } }),
      ),
    ).toEqual(['exists', 'in']);
    expect(
      names(index.resolve({ namespace: 'default', labels: { flag: '', env: 'dev' } })),
    ).toEqual(['empty-value', 'notin']);
    expect(
      names(index.resolve({ namespace: 'default', labels: { flag: 'x', env: 'prod' } })),
    ).toEqual([]);
  });

  describe('service accounts', () => {
    const index = indexOf(
      policy('by-account', { serviceAccount: { matchLabels: { role: 'payments' } } }, [sg(1)]),
      policy('any-account', { serviceAccount: {} }, [sg(2)]),
      policy(
        'both',
        {
          pod: { matchLabels: { app: 'web' } },
          serviceAccount: {
            matchExpressions: [{ key: 'role', operator: 'In', values: ['payments'] }],
          },
        },
        [sg(3)],
      ),
      policy('pod-only', { pod: { matchLabels: { app: 'web' } } }, [sg(4)]),
    );
    const web: PodIdentity = { namespace: 'default', labels: { app: 'web' } };

    it('an unknown service account (null or absent labels) matches no service account selector', () => {
      expect(names(index.resolve(web, null))).toEqual(['pod-only']);
      expect(names(index.resolve(web))).toEqual(['pod-only']);
    });

    it('tests serviceAccountSelector against the account labels; {} matches any known account', () => {
      expect(names(index.resolve({ namespace: 'default' }, { role: 'payments' }))).toEqual([
        'any-account',
        'by-account',
      ]);
      expect(names(index.resolve({ namespace: 'default' }, {}))).toEqual(['any-account']);
    });

    it('requires both selectors when both are set', () => {
      expect(names(index.resolve(web, { role: 'payments' }))).toEqual([
        'any-account',
        'both',
        'by-account',
        'pod-only',
      ]);
      expect(names(index.resolve(web, { role: 'search' }))).toEqual(['any-account', 'pod-only']);
      expect(
        names(
          index.resolve({ namespace: 'default', labels: { app: 'api' } }, { role: 'payments' }),
        ),
      ).toEqual(['any-account', 'by-account']);
    });

    it('says which namespaces need the service account looked up', () => {
      const mixed = indexOf(
        policy('pods', { pod: {} }, [sg(1)], 'a'),
        policy('accounts', { serviceAccount: {} }, [sg(1)], 'b'),
      );
      expect(mixed.needsServiceAccount('a')).toBe(false);
      expect(mixed.needsServiceAccount('b')).toBe(true);
      expect(mixed.needsServiceAccount('c')).toBe(false);
      mixed.upsert(policy('accounts', { pod: {} }, [sg(1)], 'b'));
      expect(mixed.needsServiceAccount('b')).toBe(false);
      mixed.upsert(policy('both', { pod: {}, serviceAccount: {} }, [sg(1)], 'a'));
      expect(mixed.needsServiceAccount('a')).toBe(true);
      mixed.remove('a', 'both');
      expect(mixed.needsServiceAccount('a')).toBe(false);
    });
  });

  it('replaces a policy on upsert, dropping its old index entries', () => {
    const index = indexOf(policy('p', { pod: { matchLabels: { app: 'web' } } }, [sg(1)]));
    index.upsert(
      policy(
        'p',
        { pod: { matchExpressions: [{ key: 'app', operator: 'In', values: ['api'] }] } },
        [sg(2)],
      ),
    );
    expect(index.size).toBe(1);
    expect(index.resolve({ namespace: 'default', labels: { app: 'web' } }).groupIds).toEqual([]);
    expect(index.resolve({ namespace: 'default', labels: { app: 'api' } }).groupIds).toEqual([
      sg(2),
    ]);
    index.upsert(policy('p', { pod: {} }, [sg(3)]));
    expect(index.resolve({ namespace: 'default', labels: { app: 'api' } }).groupIds).toEqual([
      sg(3),
    ]);
    index.upsert(policy('p', { serviceAccount: { matchLabels: { role: 'x' } } }, [sg(4)]));
    expect(index.resolve({ namespace: 'default', labels: { app: 'api' } }).groupIds).toEqual([]);
    expect(index.resolve({ namespace: 'default' }, { role: 'x' }).groupIds).toEqual([sg(4)]);
    expect(index.get('default', 'p')?.spec.securityGroups.groupIds).toEqual([sg(4)]);
  });

  it('removes policies, returning false when there was none', () => {
    const index = indexOf(
      policy('a', { pod: { matchLabels: { app: 'web' } } }, [sg(1)]),
      policy('b', { pod: { matchLabels: { app: 'web' } } }, [sg(2)]),
    );
    expect(index.remove('default', 'a')).toBe(true);
    expect(index.remove('default', 'a')).toBe(false);
    expect(index.remove('elsewhere', 'b')).toBe(false);
    expect(index.size).toBe(1);
    expect(index.resolve({ namespace: 'default', labels: { app: 'web' } }).groupIds).toEqual([
      sg(2),
    ]);
    expect(index.remove('default', 'b')).toBe(true);
    expect(index.size).toBe(0);
    expect(index.list()).toEqual([]);
  });

  it('refuses an invalid policy and keeps the one it would have replaced', () => {
    const index = indexOf(policy('p', { pod: {} }, [sg(1)]));
    expect(() => {
      index.upsert(policy('p', { pod: {} }, ['sg-nothex!']));
    }).toThrow(PolicyValidationError);
    expect(() => {
      index.upsert(policy('p', {}, [sg(2)]));
    }).toThrow(/podSelector or serviceAccountSelector/);
    expect(index.size).toBe(1);
    expect(index.resolve({ namespace: 'default' }).groupIds).toEqual([sg(1)]);
  });

  it('keeps its own copy and hands out fresh results', () => {
    const input = policy('p', { pod: { matchLabels: { app: 'web' } } }, [sg(1)]);
    const index = indexOf(input);
    (input.spec.podSelector?.matchLabels as Record<string, string>)['app'] = 'api';
    const first = index.resolve({ namespace: 'default', labels: { app: 'web' } });
    first.groupIds.push('sg-ffffffff');
    expect(index.resolve({ namespace: 'default', labels: { app: 'web' } }).groupIds).toEqual([
      sg(1),
    ]);
  });

  it('lists policies sorted by namespace and name', () => {
    const index = indexOf(
      policy('b', { pod: {} }, [sg(1)], 'y'),
      policy('a', { pod: {} }, [sg(1)], 'y'),
      policy('c', { pod: {} }, [sg(1)], 'x'),
    );
    expect(index.list().map((p) => `${p.metadata.namespace}/${p.metadata.name}`)).toEqual([
      'x/c',
      'y/a',
      'y/b',
    ]);
    expect(index.list('y').map((p) => p.metadata.name)).toEqual(['a', 'b']);
  });
});

// Property: the index resolves exactly what a scan of every policy with labelSelectorMatches
// would, after any sequence of upserts and removes; explainPolicyMatch agrees with both.
describe('PolicyIndex against a naive reference', () => {
  // 'constructor' and 'toString' are Object.prototype members: they must count as absent.
  const keys = ['app', 'tier', 'env', 'x.io/team', 'constructor', 'toString'];
  const values = ['a', 'b', 'c', ''];
  const namespaces = ['ns-a', 'ns-b'];
  const policyNames = ['p0', 'p1', 'p2', 'p3', 'p4', 'p5', 'p6', 'p7'];
  const key = fc.constantFrom(...keys);
  const value = fc.constantFrom(...values);
  const labels = fc.dictionary(key, value, { maxKeys: 4 });
  const requirement: fc.Arbitrary<LabelSelectorRequirement> = fc.oneof(
    fc.record({
      key,
      operator: fc.constantFrom('In' as const, 'NotIn' as const),
      // Repeated values are legal in Kubernetes.
      values: fc.array(value, { minLength: 1, maxLength: 3 }),
    }),
    fc.record(
      {
        key,
        operator: fc.constantFrom('Exists' as const, 'DoesNotExist' as const),
        values: fc.constant([]),
      },
      { requiredKeys: ['key', 'operator'] },
    ),
  );
  const selector: fc.Arbitrary<LabelSelector> = fc.oneof(
    fc.constant({}),
    fc.record(
      {
        matchLabels: fc.dictionary(key, value, { maxKeys: 2 }),
        matchExpressions: fc.array(requirement, { maxLength: 3 }),
      },
      { requiredKeys: [] },
    ),
    // Expression-only selectors, the ones filed under a key or in the always-lists.
    fc.record({ matchExpressions: fc.array(requirement, { minLength: 1, maxLength: 3 }) }),
  );
  const groupIds = fc.array(fc.integer({ min: 1, max: 6 }).map(sg), { minLength: 1, maxLength: 3 });
  const upsert = fc
    .record({
      namespace: fc.constantFrom(...namespaces),
      name: fc.constantFrom(...policyNames),
      selectors: fc.oneof(
        fc.record({ pod: selector }),
        fc.record({ serviceAccount: selector }),
        fc.record({ pod: selector, serviceAccount: selector }),
      ),
      groupIds,
    })
    .map((p) => ({ upsert: policy(p.name, p.selectors, p.groupIds, p.namespace) }));
  const remove = fc.record({
    remove: fc.record({
      namespace: fc.constantFrom(...namespaces),
      name: fc.constantFrom(...policyNames),
    }),
  });
  const pod = fc.record(
    {
      namespace: fc.constantFrom(...namespaces, 'ns-c'),
      labels,
      serviceAccountName: fc.constantFrom('default', 'payments'),
      // null and undefined both mean the service account is unknown.
      serviceAccountLabels: fc.oneof(fc.constant(null), fc.constant(undefined), labels),
    },
    { requiredKeys: ['namespace', 'serviceAccountLabels'] },
  );

  /** Kubernetes' Requirement.Matches, written out on its own (not through the code under test). */
  function termHolds(
    term: LabelSelectorRequirement,
    labels: Readonly<Record<string, string>>,
  ): boolean {
    const has = Object.hasOwn(labels, term.key);
    const actual = has ? labels[term.key] : undefined;
    const listed = actual !== undefined && (term.values ?? []).includes(actual);
    switch (term.operator) {
      case 'In':
        return has && listed;
      case 'NotIn':
        return !has || !listed;
      case 'Exists':
        return has;
      case 'DoesNotExist':
        return !has;
    }
  }

  /** nil matches nothing, {} everything, else matchLabels AND matchExpressions. */
  function selectorHolds(
    selector: LabelSelector | undefined,
    labels: Readonly<Record<string, string>> | null,
  ): boolean {
    if (selector === undefined) return true; // a selector the policy does not set is no constraint
    if (labels === null) return false; // unknown service account
    return (
      Object.entries(selector.matchLabels ?? {}).every(
        ([k, v]) => Object.hasOwn(labels, k) && labels[k] === v,
      ) && (selector.matchExpressions ?? []).every((term) => termHolds(term, labels))
    );
  }

  function reference(
    policies: Iterable<SecurityGroupPolicy>,
    subject: PodIdentity,
    serviceAccountLabels: Readonly<Record<string, string>> | null,
  ): SecurityGroupResolution {
    const all = [...policies];
    const matching = all
      .filter(
        (p) =>
          p.metadata.namespace === subject.namespace &&
          selectorHolds(p.spec.podSelector, subject.labels ?? {}) &&
          selectorHolds(p.spec.serviceAccountSelector, serviceAccountLabels),
      )
      .sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : 1));
    for (const p of all) {
      // labelSelectorMatches agrees with the written-out rules on every selector.
      for (const selector of [p.spec.podSelector, p.spec.serviceAccountSelector]) {
        if (selector === undefined) continue;
        expect(labelSelectorMatches(selector, subject.labels ?? {})).toBe(
          selectorHolds(selector, subject.labels ?? {}),
        );
      }
    }
    return {
      groupIds: [...new Set(matching.flatMap((p) => p.spec.securityGroups.groupIds))].sort(),
      policies: matching.map((p) => ({ namespace: p.metadata.namespace, name: p.metadata.name })),
    };
  }

  it('resolves like a scan of every policy, through upserts and removes', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof({ arbitrary: upsert, weight: 3 }, { arbitrary: remove, weight: 1 }), {
          maxLength: 30,
        }),
        fc.array(pod, { minLength: 1, maxLength: 8 }),
        (operations, pods) => {
          const index = new PolicyIndex();
          const current = new Map<string, SecurityGroupPolicy>();
          for (const operation of operations) {
            if ('upsert' in operation) {
              const { namespace, name } = operation.upsert.metadata;
              index.upsert(operation.upsert);
              current.set(`${namespace}/${name}`, operation.upsert);
            } else {
              const { namespace, name } = operation.remove;
              expect(index.remove(namespace, name)).toBe(current.delete(`${namespace}/${name}`));
            }
            // Resolve between changes too, so what resolve caches is seen to follow them.
            const first = pods[0];
            if (first !== undefined) {
              const accountLabels = first.serviceAccountLabels ?? null;
              expect(index.resolve(first, first.serviceAccountLabels)).toEqual(
                reference(current.values(), first, accountLabels),
              );
            }
          }
          expect(index.size).toBe(current.size);
          for (const subject of pods) {
            const accountLabels = subject.serviceAccountLabels ?? null;
            const expected = reference(current.values(), subject, accountLabels);
            expect(index.resolve(subject, subject.serviceAccountLabels)).toEqual(expected);
            const explained = [...current.values()]
              .filter((p) => explainPolicyMatch(p, subject, subject.serviceAccountLabels).matches)
              .map((p) => p.metadata.name)
              .sort();
            expect(explained).toEqual(expected.policies.map((p) => p.name));
          }
          for (const namespace of namespaces) {
            expect(index.needsServiceAccount(namespace)).toBe(
              [...current.values()].some(
                (p) =>
                  p.metadata.namespace === namespace && p.spec.serviceAccountSelector !== undefined,
              ),
            );
          }
        },
      ),
      { numRuns: 1000 },
    );
  });
});
