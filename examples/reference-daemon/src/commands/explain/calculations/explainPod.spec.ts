import { describe, expect, it } from 'vitest';
import type { ExplainedPod, ExplainedServiceAccount } from '../models/ExplainReport.js';
import { explainPod } from './explainPod.js';
import { formatExplainReport } from './formatExplainReport.js';
import { parseManifestText } from './parseManifestText.js';

/** A SecurityGroupPolicy manifest; `spec` is YAML flow text. */
const policy = (name: string, spec: string, namespace = 'shop') =>
  [
    'apiVersion: vpcresources.k8s.aws/v1beta1',
    'kind: SecurityGroupPolicy',
    `metadata: { name: ${name}, namespace: ${namespace} }`,
    `spec: ${spec}`,
  ].join('\n');

const policiesText = [
  policy(
    'web',
    '{ podSelector: { matchLabels: { app: web } }, securityGroups: { groupIds: [sg-0fedcba9876543210] } }',
  ),
  policy(
    'frontend',
    '{ podSelector: { matchExpressions: [{ key: tier, operator: In, values: [frontend] }] }, ' +
      'securityGroups: { groupIds: [sg-0a1b2c3d4e5f67890] } }',
  ),
  policy(
    'db',
    '{ serviceAccountSelector: { matchLabels: { access: database } }, ' +
      'securityGroups: { groupIds: [sg-0123456789abcdef0, sg-0fedcba9876543210] } }',
  ),
  policy(
    'all-elsewhere',
    '{ podSelector: {}, securityGroups: { groupIds: [sg-01234567] } }',
    'ops',
  ),
].join('\n---\n');

const pod: ExplainedPod = {
  namespace: 'shop',
  name: 'web-1',
  serviceAccountName: 'payments',
  labels: { app: 'web' },
  source: { file: 'pod.yaml', document: 1, line: 1 },
};

const serviceAccount: ExplainedServiceAccount = {
  namespace: 'shop',
  name: 'payments',
  labels: { access: 'database' },
  source: { file: 'sa.yaml', document: 1, line: 1 },
};

const explain = (
  text: string,
  options: { sa?: ExplainedServiceAccount | null; pod?: ExplainedPod } = {},
) =>
  explainPod({
    pod: options.pod ?? pod,
    serviceAccount: options.sa === undefined ? serviceAccount : options.sa,
    policyDocuments: parseManifestText(text, 'policies.yaml'),
    defaultNamespace: 'default',
  });

describe('explainPod', () => {
  it('resolves the union of the matching policies groups, unique and sorted', () => {
    const report = explain(policiesText);
    expect(report.result).toEqual({
      groupIds: ['sg-0123456789abcdef0', 'sg-0fedcba9876543210'],
      policies: [
        { namespace: 'shop', name: 'db' },
        { namespace: 'shop', name: 'web' },
      ],
    });
    expect(report.notes).toEqual([]);
  });

  it('explains every term with what the pod has', () => {
    const report = explain(policiesText);
    const byName = new Map(report.policies.map((entry) => [entry.name, entry]));
    expect(byName.get('web')).toMatchObject({
      matched: true,
      applicable: true,
      source: { file: 'policies.yaml', document: 1, line: 1 },
      selectors: [
        {
          field: 'podSelector',
          outcome: 'matched',
          terms: [{ requirement: 'app=web', matched: true, reason: 'pod has app=web' }],
        },
        { field: 'serviceAccountSelector', outcome: 'not-set', terms: [] },
      ],
    });
    expect(byName.get('frontend')).toMatchObject({
      matched: false,
      selectors: [
        {
          outcome: 'failed',
          terms: [
            {
              path: 'spec.podSelector.matchExpressions[0]',
              requirement: 'tier In [frontend]',
              matched: false,
              reason: 'pod has no label tier',
            },
          ],
        },
        { outcome: 'not-set' },
      ],
    });
    expect(byName.get('db')?.selectors[1]).toMatchObject({
      outcome: 'matched',
      terms: [{ requirement: 'access=database', reason: 'service account has access=database' }],
    });
  });

  it('lists policies of other namespaces last, as not applicable, without selectors', () => {
    const report = explain(policiesText);
    expect(report.policies.map((entry) => `${entry.namespace}/${entry.name}`)).toEqual([
      'shop/db',
      'shop/frontend',
      'shop/web',
      'ops/all-elsewhere',
    ]);
    expect(report.policies[3]).toMatchObject({
      applicable: false,
      matched: false,
      reason: 'policy is in namespace ops, the pod in shop',
      selectors: [],
    });
  });

  it('says service account labels are unknown, and does not match on them, without the SA', () => {
    const report = explain(policiesText, { sa: null });
    expect(report.result.groupIds).toEqual(['sg-0fedcba9876543210']);
    expect(report.notes).toEqual([
      'labels of service account shop/payments are unknown (no --service-account given), ' +
        'so serviceAccountSelectors do not match',
    ]);
    const db = report.policies.find((entry) => entry.name === 'db');
    expect(db?.selectors[1]).toMatchObject({
      outcome: 'labels-unknown',
      terms: [{ matched: false, reason: 'service account labels unknown' }],
    });
  });

  it('makes no service account note when no policy of the namespace needs one', () => {
    const webOnly = policiesText.split('\n---\n')[0] ?? '';
    expect(explain(webOnly, { sa: null }).notes).toEqual([]);
  });

  it('reports invalid policies by document and field and still evaluates the others', () => {
    const text = [
      policy(
        'bad',
        '{ podSelector: { matchExpressions: [{ key: a, operator: Equals, values: [x] }] }, ' +
          'securityGroups: { groupIds: [sg-0123456789abcdef0, sg-xyz] } }',
      ),
      policies(1),
      'apiVersion: vpcresources.k8s.aws/v1\nkind: SecurityGroupPolicy\nmetadata: { name: typo }',
      'key: [unclosed',
    ].join('\n---\n');
    const report = explain(text);
    expect(report.result.policies).toEqual([{ namespace: 'shop', name: 'web' }]);
    expect(report.invalidPolicies.map((invalid) => invalid.source.document)).toEqual([1, 3, 4]);
    const [bad, typo, broken] = report.invalidPolicies;
    expect(bad?.policy).toBe('shop/bad');
    expect(bad?.issues.map((issue) => issue.path)).toEqual([
      'spec.podSelector.matchExpressions[0].operator',
      'spec.securityGroups.groupIds[1]',
    ]);
    expect(typo?.issues.map((issue) => issue.path)).toContain('apiVersion');
    expect(broken).toMatchObject({
      policy: null,
      issues: [{ path: '<document>', message: expect.stringMatching(/^not valid YAML: /) }],
    });
  });

  it('ignores other kinds with a note, and policies a later definition replaces', () => {
    const text = [
      'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: settings, namespace: shop }',
      policies(1),
      '- just a list',
      policies(1).replace('app: web', 'app: api'),
    ].join('\n---\n');
    const report = explain(text);
    expect(report.ignoredDocuments).toEqual([
      {
        source: { file: 'policies.yaml', document: 1, line: 1 },
        object: 'v1 ConfigMap shop/settings',
        reason: 'not a SecurityGroupPolicy',
      },
      {
        source: { file: 'policies.yaml', document: 3, line: 10 },
        object: '(a list, not an object)',
        reason: 'not a SecurityGroupPolicy',
      },
      {
        source: { file: 'policies.yaml', document: 2, line: 5 },
        object: 'SecurityGroupPolicy shop/web',
        reason: 'replaced by the later definition at policies.yaml:12 (document 4)',
      },
    ]);
    // The later definition (app=api) is the one in force.
    expect(report.result.groupIds).toEqual([]);
    expect(report.policies).toHaveLength(1);
  });

  it('places a policy without namespace in the default namespace', () => {
    const text = policies(1).replace(', namespace: shop', '');
    const inDefault = explainPod({
      pod: { ...pod, namespace: 'default' },
      serviceAccount: null,
      policyDocuments: parseManifestText(text, 'p.yaml'),
      defaultNamespace: 'default',
    });
    expect(inDefault.result.policies).toEqual([{ namespace: 'default', name: 'web' }]);
  });

  it('notes when the pod namespace has no valid policy at all', () => {
    const report = explain(policiesText, { pod: { ...pod, namespace: 'empty' } });
    expect(report.notes).toContain("no valid SecurityGroupPolicy is in the pod's namespace empty");
    expect(report.policies.every((entry) => !entry.applicable)).toBe(true);
  });

  it("agrees with the index: matched flags are exactly the result's policies", () => {
    const pods: ExplainedPod[] = [
      pod,
      { ...pod, labels: { tier: 'frontend' } },
      { ...pod, labels: { app: 'web', tier: 'frontend' } },
      { ...pod, labels: {} },
    ];
    for (const candidate of pods) {
      for (const sa of [serviceAccount, null]) {
        const report = explain(policiesText, { pod: candidate, sa });
        const matched = report.policies.filter((entry) => entry.matched).map((entry) => entry.name);
        expect(matched).toEqual(report.result.policies.map((entry) => entry.name));
        expect(report.notes.some((note) => note.startsWith('inconsistent'))).toBe(false);
      }
    }
  });

  it('refuses a misspelt field (podSelectr) instead of matching on the other selector alone', () => {
    const report = explain(
      policy(
        'typo',
        '{ podSelectr: { matchLabels: { app: other } }, ' +
          'serviceAccountSelector: { matchLabels: { access: database } }, ' +
          'securityGroups: { groupIds: [sg-0123456789abcdef0] } }',
      ),
    );
    expect(report.result.groupIds).toEqual([]);
    expect(report.invalidPolicies).toEqual([
      {
        source: { file: 'policies.yaml', document: 1, line: 1 },
        policy: 'shop/typo',
        issues: [{ path: 'spec.podSelectr', message: 'unknown field (did you mean podSelector?)' }],
      },
    ]);
  });

  it('explains and prints 150,000 policy documents without overflowing the stack', () => {
    const policyDocuments = Array.from({ length: 150_000 }, (_, i) => ({
      source: { file: 'policies.yaml', document: i + 1, line: 5 * i + 1 },
      content: {
        apiVersion: 'vpcresources.k8s.aws/v1beta1',
        kind: 'SecurityGroupPolicy',
        metadata: { name: `p${i}`, namespace: 'shop' },
        spec: {
          podSelector: { matchLabels: { app: i === 8 ? 'web' : `a${i}` } },
          securityGroups: { groupIds: ['sg-0123456789abcdef0'] },
        },
      },
    }));
    const report = explainPod({
      pod,
      serviceAccount,
      policyDocuments,
      defaultNamespace: 'default',
    });
    expect(report.policies).toHaveLength(150_000);
    expect(report.result.policies).toEqual([{ namespace: 'shop', name: 'p8' }]);
    const text = formatExplainReport(report);
    expect(text).toContain('Result: 1 of 150000 policies in namespace shop matches: p8');
    expect(text.split('\n').length).toBeGreaterThan(150_000);
  });
});

/** The first `count` policies of {@link policiesText}. */
function policies(count: number): string {
  return policiesText.split('\n---\n').slice(0, count).join('\n---\n');
}
