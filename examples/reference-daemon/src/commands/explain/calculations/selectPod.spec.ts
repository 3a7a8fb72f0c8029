import { describe, expect, it } from 'vitest';
import { PodsgdCliError } from '../../../cli/errors/PodsgdCliError.js';
import { parseManifestText } from './parseManifestText.js';
import { selectPod } from './selectPod.js';

const pod = (text: string) => selectPod(parseManifestText(text, 'pod.yaml'), 'pod.yaml', 'default');

/** The error `run` throws; fails the test when it throws none or another kind. */
function cliError(run: () => unknown): PodsgdCliError {
  try {
    run();
  } catch (error) {
    if (PodsgdCliError.is(error, 'InvalidInput')) return error;
    throw error;
  }
  throw new Error('expected a PodsgdCliError');
}

describe('selectPod', () => {
  it('reads namespace, name, labels and service account of the one Pod', () => {
    const text = [
      'apiVersion: v1',
      'kind: ConfigMap',
      'metadata: { name: settings }',
      '---',
      'apiVersion: v1',
      'kind: Pod',
      'metadata:',
      '  name: web-1',
      '  namespace: shop',
      '  labels: { app: web, "example.com/tier": "" }',
      'spec: { serviceAccountName: payments }',
    ].join('\n');
    expect(pod(text)).toEqual({
      namespace: 'shop',
      name: 'web-1',
      serviceAccountName: 'payments',
      labels: { app: 'web', 'example.com/tier': '' },
      source: { file: 'pod.yaml', document: 2, line: 5 },
    });
  });

  it('defaults the namespace, the service account, the labels, and allows no name', () => {
    const text = 'apiVersion: v1\nkind: Pod\nmetadata: { generateName: web- }\nspec: {}\n';
    expect(pod(text)).toMatchObject({
      namespace: 'default',
      name: null,
      serviceAccountName: 'default',
      labels: {},
    });
  });

  it('honours the deprecated spec.serviceAccount alias', () => {
    expect(pod('apiVersion: v1\nkind: Pod\nspec: { serviceAccount: legacy }\n')).toMatchObject({
      serviceAccountName: 'legacy',
    });
  });

  it('refuses a file without a Pod, or with two', () => {
    expect(cliError(() => pod('apiVersion: v1\nkind: Service\n')).message).toBe(
      'pod.yaml: holds no object of kind Pod',
    );
    const two = cliError(() => pod('apiVersion: v1\nkind: Pod\n---\napiVersion: v1\nkind: Pod\n'));
    expect(two.message).toMatch(
      /^pod\.yaml: holds 2 Pods \(pod\.yaml:1 \(document 1\), pod\.yaml:4/,
    );
    expect(two.file).toBe('pod.yaml');
  });

  it('names the field of a label value that is not a string', () => {
    const error = cliError(() =>
      pod('apiVersion: v1\nkind: Pod\nmetadata:\n  labels:\n    canary: true\n'),
    );
    expect(error.message).toBe(
      'pod.yaml:1 (document 1): metadata.labels.canary: must be a string, got boolean (quote it in YAML)',
    );
  });

  it('names other bad fields and YAML errors with the file', () => {
    expect(cliError(() => pod('apiVersion: v2\nkind: Pod\n')).message).toMatch(
      /pod\.yaml:1 \(document 1\): apiVersion: a Pod must be v1/,
    );
    expect(cliError(() => pod('apiVersion: v1\nkind: Pod\nmetadata: [1]\n')).message).toMatch(
      /: metadata: must be an object$/,
    );
    expect(
      cliError(() => pod('apiVersion: v1\nkind: Pod\nspec: { serviceAccountName: 3 }\n')).message,
    ).toMatch(/: spec\.serviceAccountName: must be a non-empty string$/);
    expect(cliError(() => pod('kind: Pod\nbad: [\n')).message).toMatch(
      /^pod\.yaml:1 \(document 1\): not valid YAML: /,
    );
  });

  it('reports every issue of a bad pod at once, not only the first', () => {
    const error = cliError(() =>
      pod(
        [
          'apiVersion: v2',
          'kind: Pod',
          'metadata: { name: "", namespace: 7, labels: { a: true, b: "ok", c: 1 } }',
          'spec: { serviceAccountName: "" }',
        ].join('\n'),
      ),
    );
    expect(error.message).toBe(
      [
        'pod.yaml:1 (document 1): 6 problems:',
        '  apiVersion: a Pod must be v1',
        '  metadata.name: must be a non-empty string',
        '  metadata.namespace: must be a non-empty string',
        '  metadata.labels.a: must be a string, got boolean (quote it in YAML)',
        '  metadata.labels.c: must be a string, got number (quote it in YAML)',
      ].join('\n') + '\n  spec.serviceAccountName: must be a non-empty string',
    );
  });
});
