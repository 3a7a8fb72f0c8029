import { describe, expect, it } from 'vitest';
import { PodsgdCliError } from '../../../cli/errors/PodsgdCliError.js';
import type { ExplainedPod } from '../models/ExplainReport.js';
import { parseManifestText } from './parseManifestText.js';
import { selectServiceAccount } from './selectServiceAccount.js';

const pod: ExplainedPod = {
  namespace: 'shop',
  name: 'web-1',
  serviceAccountName: 'payments',
  labels: {},
  source: { file: 'pod.yaml', document: 1, line: 1 },
};

const accounts = [
  'apiVersion: v1',
  'kind: ServiceAccount',
  'metadata: { name: payments, namespace: other, labels: { wrong: namespace } }',
  '---',
  'apiVersion: v1',
  'kind: ServiceAccount',
  'metadata: { name: batch, namespace: shop }',
  '---',
  'apiVersion: v1',
  'kind: ServiceAccount',
  'metadata: { name: payments, namespace: shop, labels: { access: database } }',
].join('\n');

const select = (text: string, defaultNamespace = 'default') =>
  selectServiceAccount(parseManifestText(text, 'sa.yaml'), 'sa.yaml', pod, defaultNamespace);

describe('selectServiceAccount', () => {
  it("picks the pod's own account (namespace and name) among several", () => {
    expect(select(accounts)).toEqual({
      namespace: 'shop',
      name: 'payments',
      labels: { access: 'database' },
      source: { file: 'sa.yaml', document: 3, line: 9 },
    });
  });

  it('places an account without namespace in the default namespace', () => {
    const text = 'apiVersion: v1\nkind: ServiceAccount\nmetadata: { name: payments }\n';
    expect(select(text, 'shop').namespace).toBe('shop');
    expect(() => select(text)).toThrow(
      /no ServiceAccount shop\/payments .* only default\/payments/,
    );
  });

  it('refuses a file without the pod account, saying what it holds', () => {
    const text = accounts.split('---')[0] ?? '';
    try {
      select(text);
      expect.unreachable();
    } catch (error) {
      expect(PodsgdCliError.is(error, 'InvalidInput')).toBe(true);
      expect((error as Error).message).toBe(
        "sa.yaml: has no ServiceAccount shop/payments (the pod's service account); " +
          'it holds only other/payments',
      );
    }
    expect(() => select('apiVersion: v1\nkind: Pod\n')).toThrow(/it holds no ServiceAccount$/);
  });

  it('names a bad label value by field', () => {
    const text =
      'apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: payments\n  namespace: shop\n' +
      '  labels: { replicas: 3 }\n';
    expect(() => select(text)).toThrow(
      'sa.yaml:1 (document 1): metadata.labels.replicas: must be a string, got number',
    );
  });
});
