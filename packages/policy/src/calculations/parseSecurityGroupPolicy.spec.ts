import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PolicyValidationError, type ValidationIssue } from '../errors/PolicyValidationError.js';
import { parseSecurityGroupPolicy } from './parseSecurityGroupPolicy.js';

/** A policy as `kubectl get -o json` returns it from an EKS cluster. */
const fromCluster = {
  apiVersion: 'vpcresources.k8s.aws/v1beta1',
  kind: 'SecurityGroupPolicy',
  metadata: {
    name: 'my-security-group-policy',
    namespace: 'my-namespace',
    uid: '5d3c4d8e-8c07-4c1b-9a7e-0a1b2c3d4e5f',
    resourceVersion: '123456',
    generation: 1,
    creationTimestamp: '2020-09-09T12:00:00Z',
    labels: { 'app.kubernetes.io/managed-by': 'kubectl' },
    annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{"apiVersion":"..."}' },
    managedFields: [{ manager: 'kubectl', operation: 'Update' }],
  },
  spec: {
    podSelector: { matchLabels: { role: 'my-role' } },
    securityGroups: { groupIds: ['sg-0123456789abcdef0', 'sg-01234567'] },
  },
  status: {},
};

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the tests break raw JSON at any depth
type RawJson = any;
type Mutation = (policy: RawJson) => void;

function issuesOf(mutate: Mutation): readonly ValidationIssue[] {
  const policy: RawJson = structuredClone(fromCluster);
  mutate(policy);
  try {
    parseSecurityGroupPolicy(policy);
  } catch (error) {
    if (PolicyValidationError.is(error, 'InvalidPolicy')) return error.issues;
    throw error;
  }
  throw new Error('the policy was accepted');
}

function expr(operator: unknown, values?: unknown, key: unknown = 'app'): Mutation {
  return (p) => {
    p.spec.podSelector = {
      matchExpressions: [{ key, operator, ...(values !== undefined && { values }) }],
    };
  };
}

describe('parseSecurityGroupPolicy', () => {
  it('parses an EKS manifest as is, ignoring server fields and status', () => {
    const policy = parseSecurityGroupPolicy(fromCluster);
    expect(policy).toEqual({
      apiVersion: 'vpcresources.k8s.aws/v1beta1',
      kind: 'SecurityGroupPolicy',
      metadata: {
        name: 'my-security-group-policy',
        namespace: 'my-namespace',
        uid: '5d3c4d8e-8c07-4c1b-9a7e-0a1b2c3d4e5f',
        resourceVersion: '123456',
        labels: { 'app.kubernetes.io/managed-by': 'kubectl' },
        annotations: fromCluster.metadata.annotations,
      },
      spec: {
        podSelector: { matchLabels: { role: 'my-role' } },
        securityGroups: { groupIds: ['sg-0123456789abcdef0', 'sg-01234567'] },
      },
    });
  });

  it('returns a copy that later changes to the input do not reach', () => {
    const input = structuredClone(fromCluster);
    const policy = parseSecurityGroupPolicy(input);
    input.spec.podSelector.matchLabels.role = 'changed';
    input.spec.securityGroups.groupIds.push('sg-89abcdef');
    expect(policy.spec.podSelector?.matchLabels).toEqual({ role: 'my-role' });
    expect(policy.spec.securityGroups.groupIds).toHaveLength(2);
  });

  it('accepts a service-account-only policy, null selectors, duplicates and unknown spec fields', () => {
    const policy = parseSecurityGroupPolicy({
      ...fromCluster,
      spec: {
        podSelector: null,
        serviceAccountSelector: {
          matchExpressions: [{ key: 'team', operator: 'Exists', values: null }],
          futureField: true,
        },
        securityGroups: { groupIds: ['sg-01234567', 'sg-01234567'] },
        somethingNew: 'ignored',
      },
    });
    expect(policy.spec).toEqual({
      serviceAccountSelector: { matchExpressions: [{ key: 'team', operator: 'Exists' }] },
      securityGroups: { groupIds: ['sg-01234567', 'sg-01234567'] },
    });
  });

  it('accepts {} selectors and empty label values', () => {
    const policy = parseSecurityGroupPolicy({
      ...fromCluster,
      spec: {
        podSelector: {},
        serviceAccountSelector: { matchLabels: { role: '' }, matchExpressions: [] },
        securityGroups: { groupIds: ['sg-01234567'] },
      },
    });
    expect(policy.spec.podSelector).toEqual({});
    expect(policy.spec.serviceAccountSelector).toEqual({
      matchLabels: { role: '' },
      matchExpressions: [],
    });
  });

  it.each([null, 42, 'policy', [], true, undefined])('refuses the non-object %j', (input) => {
    expect(() => parseSecurityGroupPolicy(input)).toThrow(PolicyValidationError);
    try {
      parseSecurityGroupPolicy(input);
    } catch (error) {
      expect((error as PolicyValidationError).issues).toEqual([
        { path: '<root>', message: expect.stringMatching(/must be an object/) },
      ]);
    }
  });

  it.each<[string, Mutation, string, RegExp]>([
    [
      'wrong apiVersion',
      (p) => (p.apiVersion = 'vpcresources.k8s.aws/v1'),
      'apiVersion',
      /v1beta1/,
    ],
    ['wrong kind', (p) => (p.kind = 'NetworkPolicy'), 'kind', /SecurityGroupPolicy/],
    ['no metadata', (p) => delete p.metadata, 'metadata', /object/],
    ['no name', (p) => delete p.metadata.name, 'metadata.name', /required/],
    ['numeric name', (p) => (p.metadata.name = 7), 'metadata.name', /string/],
    ['bad name', (p) => (p.metadata.name = 'My_Policy'), 'metadata.name', /lower case/],
    ['long name', (p) => (p.metadata.name = 'p'.repeat(254)), 'metadata.name', /253/],
    ['no namespace', (p) => delete p.metadata.namespace, 'metadata.namespace', /required/],
    ['dotted namespace', (p) => (p.metadata.namespace = 'a.b'), 'metadata.namespace', /lower case/],
    ['long namespace', (p) => (p.metadata.namespace = 'n'.repeat(64)), 'metadata.namespace', /63/],
    [
      'bad own label',
      (p) => (p.metadata.labels = { 'bad key': 'x' }),
      'metadata.labels["bad key"]',
      /key/,
    ],
    ['no spec', (p) => delete p.spec, 'spec', /required/],
    [
      'no selector',
      (p) => delete p.spec.podSelector,
      'spec',
      /podSelector or serviceAccountSelector/,
    ],
    [
      'null selectors',
      (p) => {
        p.spec.podSelector = null;
        p.spec.serviceAccountSelector = null;
      },
      'spec',
      /podSelector or serviceAccountSelector/,
    ],
    ['string selector', (p) => (p.spec.podSelector = 'app=web'), 'spec.podSelector', /object/],
    ['no securityGroups', (p) => delete p.spec.securityGroups, 'spec.securityGroups', /required/],
    [
      'no groupIds',
      (p) => delete p.spec.securityGroups.groupIds,
      'spec.securityGroups.groupIds',
      /required/,
    ],
    [
      'empty groupIds',
      (p) => (p.spec.securityGroups.groupIds = []),
      'spec.securityGroups.groupIds',
      /at least one/,
    ],
    [
      'string groupIds',
      (p) => (p.spec.securityGroups.groupIds = 'sg-01234567'),
      'spec.securityGroups.groupIds',
      /array/,
    ],
    [
      'numeric group id',
      (p) => (p.spec.securityGroups.groupIds = ['sg-01234567', 1]),
      'spec.securityGroups.groupIds[1]',
      /string/,
    ],
    ...[
      'sg-0123456',
      'sg-012345678',
      'sg-0123456789ABCDEF0',
      'sg-0123456789abcdef',
      'sg-0123456g',
      'my_pod_security_group_id',
      ' sg-01234567',
    ].map((groupId): [string, Mutation, string, RegExp] => [
      `group id ${groupId}`,
      (p) => (p.spec.securityGroups.groupIds = ['sg-01234567', groupId]),
      'spec.securityGroups.groupIds[1]',
      /8 or 17 lowercase hex digits/,
    ]),
    [
      'unknown operator',
      expr('Equals', ['web']),
      'spec.podSelector.matchExpressions[0].operator',
      /unknown operator "Equals"/,
    ],
    [
      'lowercase operator',
      expr('in', ['web']),
      'spec.podSelector.matchExpressions[0].operator',
      /unknown operator/,
    ],
    [
      'no operator',
      expr(undefined, ['web']),
      'spec.podSelector.matchExpressions[0].operator',
      /required/,
    ],
    [
      'In without values',
      expr('In'),
      'spec.podSelector.matchExpressions[0].values',
      /non-empty.*In/,
    ],
    [
      'NotIn with []',
      expr('NotIn', []),
      'spec.podSelector.matchExpressions[0].values',
      /non-empty.*NotIn/,
    ],
    [
      'Exists with values',
      expr('Exists', ['x']),
      'spec.podSelector.matchExpressions[0].values',
      /empty.*Exists/,
    ],
    [
      'DoesNotExist with values',
      expr('DoesNotExist', ['x']),
      'spec.podSelector.matchExpressions[0].values',
      /empty.*DoesNotExist/,
    ],
    [
      'values not an array',
      expr('In', 'web'),
      'spec.podSelector.matchExpressions[0].values',
      /array/,
    ],
    [
      'numeric value',
      expr('In', ['web', 3]),
      'spec.podSelector.matchExpressions[0].values[1]',
      /string/,
    ],
    [
      'bad value',
      expr('In', ['web', 'a b']),
      'spec.podSelector.matchExpressions[0].values[1]',
      /value "a b"/,
    ],
    [
      'bad key',
      expr('Exists', undefined, 'a/b/c'),
      'spec.podSelector.matchExpressions[0].key',
      /key/,
    ],
    [
      'no key',
      expr('Exists', undefined, null),
      'spec.podSelector.matchExpressions[0].key',
      /required/,
    ],
    [
      'expression not an object',
      (p) => (p.spec.podSelector = { matchExpressions: ['app in (web)'] }),
      'spec.podSelector.matchExpressions[0]',
      /object/,
    ],
    [
      'matchExpressions not an array',
      (p) => (p.spec.podSelector = { matchExpressions: { key: 'app' } }),
      'spec.podSelector.matchExpressions',
      /array/,
    ],
    [
      'bad matchLabels key',
      (p) => (p.spec.podSelector = { matchLabels: { '-app': 'web' } }),
      'spec.podSelector.matchLabels["-app"]',
      /key/,
    ],
    [
      'bad matchLabels value',
      (p) => (p.spec.podSelector = { matchLabels: { app: 'web app' } }),
      'spec.podSelector.matchLabels["app"]',
      /value/,
    ],
    [
      'numeric matchLabels value',
      (p) => (p.spec.podSelector = { matchLabels: { replicas: 3 } }),
      'spec.podSelector.matchLabels["replicas"]',
      /string/,
    ],
    [
      'matchLabels not an object',
      (p) => (p.spec.podSelector = { matchLabels: ['app'] }),
      'spec.podSelector.matchLabels',
      /object/,
    ],
    [
      'bad service account selector',
      (p) =>
        (p.spec.serviceAccountSelector = {
          matchExpressions: [
            { key: 'team', operator: 'Exists' },
            { key: 'x', operator: 'Gt', values: ['1'] },
          ],
        }),
      'spec.serviceAccountSelector.matchExpressions[1].operator',
      /unknown operator "Gt"/,
    ],
  ])('refuses %s at its path', (_case, mutate, path, message) => {
    const issues = issuesOf(mutate);
    expect(issues).toContainEqual({ path, message: expect.stringMatching(message) });
  });

  it('takes up to 16 group ids (the CRD maxItems, EC2 limit per interface) and refuses more', () => {
    const ids = (n: number): string[] =>
      Array.from({ length: n }, (_, i) => `sg-${i.toString(16).padStart(8, '0')}`);
    const sixteen = parseSecurityGroupPolicy({
      ...fromCluster,
      spec: { ...fromCluster.spec, securityGroups: { groupIds: ids(16) } },
    });
    expect(sixteen.spec.securityGroups.groupIds).toHaveLength(16);
    expect(issuesOf((p) => (p.spec.securityGroups.groupIds = ids(17)))).toEqual([
      {
        path: 'spec.securityGroups.groupIds',
        message: expect.stringMatching(/at most 16 .*got 17/),
      },
    ]);
  });

  it('checks annotation keys as Kubernetes does (qualified names, case-insensitive)', () => {
    const annotated = parseSecurityGroupPolicy({
      ...fromCluster,
      metadata: {
        ...fromCluster.metadata,
        annotations: { 'Example.COM/Owner': 'Team A!', note: '' },
      },
    });
    expect(annotated.metadata.annotations).toEqual({ 'Example.COM/Owner': 'Team A!', note: '' });
    expect(issuesOf((p) => (p.metadata.annotations = { 'a/b/c': 'x' }))).toEqual([
      {
        path: 'metadata.annotations["a/b/c"]',
        message: expect.stringMatching(/annotation key "a\/b\/c"/),
      },
    ]);
    expect(issuesOf((p) => (p.metadata.annotations = { big: 'x'.repeat(256 * 1024) }))).toEqual([
      { path: 'metadata.annotations', message: expect.stringMatching(/262144 bytes/) },
    ]);
  });

  it('refuses every policy Kubernetes would, with a named path, and throws nothing else on any JSON', () => {
    const json = fc.jsonValue({ maxDepth: 6 });
    // Valid skeletons with arbitrary JSON swapped in at one place, so every level is reached.
    const places: ((p: RawJson, v: unknown) => void)[] = [
      (p, v) => (p.metadata = v),
      (p, v) => (p.metadata.name = v),
      (p, v) => (p.metadata.labels = v),
      (p, v) => (p.metadata.annotations = v),
      (p, v) => (p.spec = v),
      (p, v) => (p.spec.podSelector = v),
      (p, v) => (p.spec.podSelector.matchLabels = v),
      (p, v) => (p.spec.podSelector.matchExpressions = v),
      (p, v) => (p.spec.podSelector.matchExpressions = [v]),
      (p, v) => (p.spec.podSelector.matchExpressions = [{ key: 'a', operator: 'In', values: v }]),
      (p, v) => (p.spec.serviceAccountSelector = v),
      (p, v) => (p.spec.securityGroups = v),
      (p, v) => (p.spec.securityGroups.groupIds = v),
      (p, v) => (p.spec.securityGroups.groupIds = ['sg-01234567', v]),
    ];
    fc.assert(
      fc.property(
        fc.oneof(
          json,
          fc.tuple(fc.nat(places.length - 1), json).map(([place, value]) => {
            const policy: RawJson = structuredClone(fromCluster);
            places[place]?.(policy, value);
            return policy as unknown;
          }),
        ),
        (input) => {
          try {
            parseSecurityGroupPolicy(input);
          } catch (error) {
            expect(PolicyValidationError.is(error, 'InvalidPolicy')).toBe(true);
            const { issues } = error as PolicyValidationError;
            expect(issues.length).toBeGreaterThan(0);
            for (const issue of issues) expect(issue.path).toMatch(/^(<root>|[a-z])/);
          }
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('collects every issue, and names the object and each field in the message', () => {
    const input = {
      apiVersion: 'v1',
      kind: 'SecurityGroupPolicy',
      metadata: { name: 'web', namespace: 'prod' },
      spec: {
        podSelector: { matchExpressions: [{ key: 'app', operator: 'In' }] },
        securityGroups: { groupIds: ['sg-1', 'sg-01234567', 'SG-01234567'] },
      },
    };
    let error: unknown;
    try {
      parseSecurityGroupPolicy(input);
    } catch (caught) {
      error = caught;
    }
    expect(PolicyValidationError.is(error, 'InvalidPolicy')).toBe(true);
    const { issues, message } = error as PolicyValidationError;
    expect(issues.map((issue) => issue.path)).toEqual([
      'apiVersion',
      'spec.podSelector.matchExpressions[0].values',
      'spec.securityGroups.groupIds[0]',
      'spec.securityGroups.groupIds[2]',
    ]);
    expect(message).toMatch(/^SecurityGroupPolicy prod\/web is invalid: apiVersion: /);
    expect(message).toContain(
      'spec.securityGroups.groupIds[2]: "SG-01234567" is not a security group id',
    );
  });
});
