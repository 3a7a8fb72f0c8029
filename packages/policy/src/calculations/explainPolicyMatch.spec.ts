import { describe, expect, it } from 'vitest';
import type { SecurityGroupPolicy } from '../models/SecurityGroupPolicy.js';
import { explainPolicyMatch } from './explainPolicyMatch.js';

const policy: SecurityGroupPolicy = {
  apiVersion: 'vpcresources.k8s.aws/v1beta1',
  kind: 'SecurityGroupPolicy',
  metadata: { name: 'payments', namespace: 'shop' },
  spec: {
    podSelector: {
      matchLabels: { app: 'checkout', tier: 'back' },
      matchExpressions: [
        { key: 'env', operator: 'NotIn', values: ['dev', 'test'] },
        { key: 'canary', operator: 'DoesNotExist' },
      ],
    },
    serviceAccountSelector: {
      matchExpressions: [{ key: 'role', operator: 'In', values: ['payments'] }],
    },
    securityGroups: { groupIds: ['sg-0fedcba9876543210', 'sg-0123456789abcdef0'] },
  },
};

describe('explainPolicyMatch', () => {
  it('reports every term that holds, with its path and the actual label value', () => {
    const explanation = explainPolicyMatch(
      policy,
      { namespace: 'shop', labels: { app: 'checkout', tier: 'back' }, serviceAccountName: 'pay' },
      { role: 'payments' },
    );
    expect(explanation.matches).toBe(true);
    expect(explanation.groupIds).toEqual(['sg-0123456789abcdef0', 'sg-0fedcba9876543210']);
    expect(explanation.podSelector.terms).toEqual([
      {
        path: 'spec.podSelector.matchLabels["app"]',
        source: 'matchLabels',
        index: 0,
        key: 'app',
        operator: 'Equals',
        values: ['checkout'],
        actual: 'checkout',
        matches: true,
        reason: 'label app is "checkout" as required',
      },
      expect.objectContaining({
        path: 'spec.podSelector.matchLabels["tier"]',
        index: 1,
        matches: true,
      }),
      expect.objectContaining({
        path: 'spec.podSelector.matchExpressions[0]',
        operator: 'NotIn',
        actual: null,
        matches: true,
        reason: 'label env is absent, which NotIn ["dev", "test"] accepts',
      }),
      expect.objectContaining({ path: 'spec.podSelector.matchExpressions[1]', matches: true }),
    ]);
    expect(explanation.serviceAccountSelector).toMatchObject({
      set: true,
      labelsKnown: true,
      matches: true,
      terms: [
        {
          path: 'spec.serviceAccountSelector.matchExpressions[0]',
          actual: 'payments',
          matches: true,
        },
      ],
    });
    expect(explanation.reason).toMatch(/^policy shop\/payments applies/);
  });

  it('names each failing term and keeps evaluating after the first failure', () => {
    const explanation = explainPolicyMatch(
      policy,
      { namespace: 'shop', labels: { app: 'cart', env: 'dev', canary: 'true' } },
      { role: 'payments' },
    );
    expect(explanation.matches).toBe(false);
    expect(explanation.podSelector.matches).toBe(false);
    expect(explanation.podSelector.terms.map((t) => [t.path, t.matches, t.reason])).toEqual([
      ['spec.podSelector.matchLabels["app"]', false, 'label app is "cart", but must be "checkout"'],
      ['spec.podSelector.matchLabels["tier"]', false, 'label tier is absent, but must be "back"'],
      [
        'spec.podSelector.matchExpressions[0]',
        false,
        'label env is "dev", which is in ["dev", "test"] but must not be',
      ],
      [
        'spec.podSelector.matchExpressions[1]',
        false,
        'label canary exists (value "true"), but must not',
      ],
    ]);
    expect(explanation.serviceAccountSelector.matches).toBe(true);
    expect(explanation.reason).toMatch(
      /does not apply: podSelector does not match the pod: label app is "cart"/,
    );
  });

  it('explains an unknown service account', () => {
    const explanation = explainPolicyMatch(
      policy,
      { namespace: 'shop', labels: { app: 'checkout', tier: 'back' }, serviceAccountName: 'pay' },
      null,
    );
    expect(explanation.matches).toBe(false);
    expect(explanation.serviceAccountSelector).toMatchObject({
      labelsKnown: false,
      matches: false,
      reason: 'serviceAccountSelector cannot match: the service account pay is unknown',
      terms: [{ actual: null, matches: false }],
    });
  });

  it('treats a selector that is not set as no constraint, and {} as matching everything', () => {
    const podOnly: SecurityGroupPolicy = {
      ...policy,
      spec: { podSelector: {}, securityGroups: policy.spec.securityGroups },
    };
    const explanation = explainPolicyMatch(podOnly, { namespace: 'shop' });
    expect(explanation.matches).toBe(true);
    expect(explanation.podSelector).toMatchObject({
      set: true,
      matchesEverything: true,
      terms: [],
    });
    expect(explanation.serviceAccountSelector).toMatchObject({ set: false, matches: true });
    expect(explanation.serviceAccountSelector.reason).toMatch(/not set/);
  });

  it('refuses pods of another namespace, and policies without any selector', () => {
    const other = explainPolicyMatch(
      policy,
      { namespace: 'blog', labels: { app: 'checkout', tier: 'back' } },
      { role: 'payments' },
    );
    expect(other).toMatchObject({ matches: false, namespaceMatches: false });
    expect(other.podSelector.matches).toBe(true);
    expect(other.reason).toMatch(/only applies to pods of namespace shop, and the pod is in blog/);
    const none = explainPolicyMatch(
      { ...policy, spec: { securityGroups: policy.spec.securityGroups } },
      { namespace: 'shop' },
      {},
    );
    expect(none.matches).toBe(false);
    expect(none.reason).toMatch(/sets neither/);
  });

  it.each([
    ['In', ['a', 'b'], { k: 'a' }, true, 'label k is "a", which is in ["a", "b"]'],
    ['In', ['a'], {}, false, 'label k is absent, but must be one of ["a"]'],
    ['In', ['a'], { k: 'z' }, false, 'label k is "z", which is not in ["a"]'],
    ['NotIn', ['a'], { k: 'z' }, true, 'label k is "z", which is not in ["a"]'],
    ['Exists', [], { k: '' }, true, 'label k exists (value "")'],
    ['Exists', [], {}, false, 'label k is absent, but must exist'],
    ['DoesNotExist', [], {}, true, 'label k is absent as required'],
  ] as const)('explains %s %j on %j', (operator, values, labels, matches, reason) => {
    const explanation = explainPolicyMatch(
      {
        ...policy,
        spec: {
          podSelector: { matchExpressions: [{ key: 'k', operator, values: [...values] }] },
          securityGroups: policy.spec.securityGroups,
        },
      },
      { namespace: 'shop', labels },
    );
    expect(explanation.podSelector.terms[0]).toMatchObject({ matches, reason });
    expect(explanation.matches).toBe(matches);
  });
});
