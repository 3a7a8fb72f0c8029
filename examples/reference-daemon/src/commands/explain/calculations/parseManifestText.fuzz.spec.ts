import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { PodsgdCliError } from '../../../cli/errors/PodsgdCliError.js';
import type { ExplainedPod } from '../models/ExplainReport.js';
import { explainPod } from './explainPod.js';
import { formatExplainReport } from './formatExplainReport.js';
import { parseManifestText } from './parseManifestText.js';
import { selectPod } from './selectPod.js';

const pod: ExplainedPod = {
  namespace: 'shop',
  name: 'web-1',
  serviceAccountName: 'default',
  labels: { app: 'web' },
  source: { file: 'pod.yaml', document: 1, line: 1 },
};
const policy = {
  apiVersion: 'vpcresources.k8s.aws/v1beta1',
  kind: 'SecurityGroupPolicy',
  metadata: { name: 'web', namespace: 'shop' },
  spec: {
    podSelector: { matchLabels: { app: 'web' } },
    securityGroups: { groupIds: ['sg-0123456789abcdef0'] },
  },
};

/** Runs `work`; the only acceptable failure is a PodsgdCliError, within a second. */
function namedErrorOrResult(work: () => void): void {
  const started = performance.now();
  try {
    work();
  } catch (error) {
    expect(error).toBeInstanceOf(PodsgdCliError);
  }
  expect(performance.now() - started).toBeLessThan(1_000);
}

describe('manifests under arbitrary input (podsgd explain)', () => {
  it('parses any text into documents or refuses it with a named reason', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (text) => {
        namedErrorOrResult(() => {
          const documents = parseManifestText(text, 'f.yaml');
          for (const document of documents) expect(document.source.file).toBe('f.yaml');
        });
      }),
      { numRuns: 300 },
    );
  });

  it('explains any policy document and any pod document, or names what is wrong', () => {
    const json = fc.jsonValue({ maxDepth: 4 });
    const mutatedPolicy = fc
      .tuple(fc.constantFrom('apiVersion', 'kind', 'metadata', 'spec', 'status', 'extra'), json)
      .map(([key, value]) => ({ ...policy, [key]: value }));
    const mutatedSpec = fc
      .tuple(fc.constantFrom('podSelector', 'serviceAccountSelector', 'securityGroups', 'x'), json)
      .map(([key, value]) => ({ ...policy, spec: { ...policy.spec, [key]: value } }));
    const podDocument = fc
      .tuple(fc.constantFrom('apiVersion', 'metadata', 'spec'), json)
      .map(([key, value]) => ({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'p' },
        [key]: value,
      }));
    fc.assert(
      fc.property(
        fc.array(fc.oneof(json, mutatedPolicy, mutatedSpec), { maxLength: 4 }),
        podDocument,
        (documents, podManifest) => {
          namedErrorOrResult(() => {
            const text = documents.map((document) => stringify(document)).join('---\n');
            const report = explainPod({
              pod,
              serviceAccount: null,
              policyDocuments: parseManifestText(text, 'policies.yaml'),
              defaultNamespace: 'default',
            });
            expect(formatExplainReport(report)).toContain('Security groups:');
            selectPod(parseManifestText(stringify(podManifest), 'pod.yaml'), 'pod.yaml', 'default');
          });
        },
      ),
      { numRuns: 400 },
    );
  });
});
