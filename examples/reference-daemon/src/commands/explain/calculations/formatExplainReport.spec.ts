import { describe, expect, it } from 'vitest';
import type { ExplainReport, PolicyExplanation } from '../models/ExplainReport.js';
import { formatExplainReport } from './formatExplainReport.js';

const source = (file: string, document = 1, line = 1) => ({ file, document, line });

const webPolicy: PolicyExplanation = {
  namespace: 'shop',
  name: 'web',
  source: source('policies.yaml'),
  groupIds: ['sg-0123456789abcdef0'],
  applicable: true,
  matched: true,
  reason: 'podSelector matched',
  selectors: [
    {
      field: 'podSelector',
      outcome: 'matched',
      reason: 'its one term matched',
      terms: [
        {
          path: 'spec.podSelector.matchLabels["app"]',
          requirement: 'app=web',
          matched: true,
          reason: 'pod has app=web',
        },
      ],
    },
    { field: 'serviceAccountSelector', outcome: 'not-set', reason: 'not set', terms: [] },
  ],
};

const frontendPolicy: PolicyExplanation = {
  namespace: 'shop',
  name: 'frontend-tier',
  source: source('policies.yaml', 2, 20),
  groupIds: ['sg-0fedcba9876543210'],
  applicable: true,
  matched: false,
  reason: 'podSelector failed',
  selectors: [
    {
      field: 'podSelector',
      outcome: 'failed',
      reason: '1 of 2 terms failed',
      terms: [
        {
          path: 'spec.podSelector.matchExpressions[0]',
          requirement: 'app In [web, api]',
          matched: true,
          reason: 'pod has app=web',
        },
        {
          path: 'spec.podSelector.matchExpressions[1]',
          requirement: 'tier In [frontend]',
          matched: false,
          reason: 'pod has no label tier',
        },
      ],
    },
    {
      field: 'serviceAccountSelector',
      outcome: 'labels-unknown',
      reason: 'labels of service account shop/default unknown',
      terms: [],
    },
  ],
};

const report: ExplainReport = {
  pod: {
    namespace: 'shop',
    name: 'web-1',
    serviceAccountName: 'default',
    labels: { app: 'web', empty: '' },
    source: source('pod.yaml'),
  },
  serviceAccount: null,
  policies: [
    frontendPolicy,
    webPolicy,
    {
      namespace: 'other',
      name: 'everything',
      source: source('policies.yaml', 3, 40),
      groupIds: ['sg-0a1b2c3d4e5f67890'],
      applicable: false,
      matched: false,
      reason: 'policy is in namespace other, the pod in shop',
      selectors: [],
    },
  ],
  invalidPolicies: [
    {
      source: { file: 'bad.yaml', document: 2, line: 9, item: 1 },
      policy: 'shop/broken',
      issues: [
        { path: 'spec.securityGroups.groupIds[0]', message: 'must look like sg-…' },
        { path: 'spec', message: 'needs a selector' },
      ],
    },
  ],
  ignoredDocuments: [
    { source: source('policies.yaml', 4, 50), object: 'v1 ConfigMap shop/x', reason: 'not a SGP' },
  ],
  result: {
    groupIds: ['sg-0123456789abcdef0'],
    policies: [{ namespace: 'shop', name: 'web' }],
  },
  notes: ['labels of service account shop/default are unknown'],
};

/** The column at which `needle` starts on the line that contains `marker`. */
function columnOf(text: string, marker: string, needle: string): number {
  const line = text.split('\n').find((candidate) => candidate.includes(marker));
  if (line === undefined) throw new Error(`no line with ${marker}`);
  return line.indexOf(needle);
}

describe('formatExplainReport', () => {
  const text = formatExplainReport(report);

  it('marks each applicable policy MATCH or NO MATCH with its groups, names aligned', () => {
    expect(text).toMatch(/✓ MATCH +web +sg-0123456789abcdef0\n/);
    expect(text).toMatch(/✗ NO MATCH +frontend-tier +sg-0fedcba9876543210\n/);
    expect(columnOf(text, '✓ MATCH', 'sg-')).toBe(columnOf(text, '✗ NO MATCH', 'sg-'));
  });

  it('gives every selector and every term a mark and the reason, reasons aligned', () => {
    expect(text).toContain('✗ tier In [frontend]');
    expect(text).toMatch(/✓ app In \[web, api\] +pod has app=web\n/);
    expect(text).toMatch(/✗ tier In \[frontend\] +pod has no label tier\n/);
    expect(columnOf(text, 'app In [web', 'pod has')).toBe(
      columnOf(text, 'tier In [frontend]', 'pod has'),
    );
    expect(text).toMatch(/✗ serviceAccountSelector +labels of service account shop\/default/);
    expect(text).toMatch(/- serviceAccountSelector +not set/);
    expect(text).toMatch(/✓ podSelector +its one term matched/);
  });

  it('lists policies of other namespaces as not applicable, with the reason', () => {
    expect(text).toContain('Policies in other namespaces (not applicable):');
    expect(text).toMatch(/other\/everything +policy is in namespace other, the pod in shop/);
  });

  it('names the file, line, document and field of each invalid policy', () => {
    expect(text).toContain('✗ bad.yaml:9 (document 2, items[1])  shop/broken');
    expect(text).toMatch(/spec\.securityGroups\.groupIds\[0\] +must look like sg-…/);
  });

  it('shows ignored documents, notes, the pod and its unknown service account', () => {
    expect(text).toContain('policies.yaml:50 (document 4)  v1 ConfigMap shop/x: not a SGP');
    expect(text).toContain('  ! labels of service account shop/default are unknown');
    expect(text).toContain('Pod shop/web-1  from pod.yaml:1 (document 1)\n');
    expect(text).toContain('app=web, empty=""');
    expect(text).toContain('shop/default  labels unknown (no --service-account given)');
  });

  it('ends with the matching policies and the groups', () => {
    expect(text.endsWith('Security groups: sg-0123456789abcdef0\n')).toBe(true);
    expect(text).toContain('Result: 1 of 2 policies in namespace shop matches: web\n');
  });

  it('says the pod gets no branch ENI when nothing matches', () => {
    const none = formatExplainReport({
      ...report,
      policies: [],
      invalidPolicies: [],
      ignoredDocuments: [],
      notes: [],
      result: { groupIds: [], policies: [] },
    });
    expect(none).toContain('Policies in namespace shop:\n  (none)\n');
    expect(none).toContain('Result: 0 of 0 policies in namespace shop match\n');
    expect(none).toContain('Security groups: none (the pod gets no branch ENI');
    expect(none).not.toContain('Invalid policies');
    expect(none).not.toContain('Notes:');
  });
});
