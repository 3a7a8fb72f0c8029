import { PodsgdCliError } from '../../../cli/errors/PodsgdCliError.js';
import type { ExplainedPod } from '../models/ExplainReport.js';
import type { ManifestDocument } from '../models/ManifestDocument.js';
import { describeManifestSource } from './describeManifestSource.js';
import type { FieldIssue } from './readObjectMeta.js';
import { inspectObjectMeta, invalidObject, isPlainObject } from './readObjectMeta.js';

/**
 * Finds the one `v1` Pod among the documents of the `--pod` file. Other kinds are
 * skipped; none, or more than one, is an error (explain answers for one pod).
 * A pod without `spec.serviceAccountName` runs as `default`, as Kubernetes assigns it.
 *
 * @throws PodsgdCliError `InvalidInput` naming the file (and the field, where there is one).
 */
export function selectPod(
  documents: readonly ManifestDocument[],
  file: string,
  defaultNamespace: string,
): ExplainedPod {
  const broken = documents.find((document) => document.yamlError !== undefined);
  if (broken?.yamlError !== undefined) {
    throw new PodsgdCliError(
      'InvalidInput',
      `${describeManifestSource(broken.source)}: not valid YAML: ${broken.yamlError}`,
      file,
    );
  }
  const pods = documents.filter(
    (document) => isPlainObject(document.content) && document.content['kind'] === 'Pod',
  );
  const [document, ...others] = pods;
  if (document === undefined || !isPlainObject(document.content)) {
    throw new PodsgdCliError('InvalidInput', `${file}: holds no object of kind Pod`, file);
  }
  if (others.length > 0) {
    throw new PodsgdCliError(
      'InvalidInput',
      `${file}: holds ${pods.length} Pods (${pods
        .map((pod) => describeManifestSource(pod.source))
        .join(', ')}); give a file with exactly one`,
      file,
    );
  }
  const pod = document.content;
  // Every issue at once, so a bad pod is fixed in one round.
  const issues: FieldIssue[] = [];
  if (pod['apiVersion'] !== 'v1') issues.push({ field: 'apiVersion', message: 'a Pod must be v1' });
  const { meta, issues: metaIssues } = inspectObjectMeta(pod, defaultNamespace);
  issues.push(...metaIssues);
  const spec = pod['spec'] ?? {};
  // serviceAccount is the deprecated alias Kubernetes still honours.
  const serviceAccountName = isPlainObject(spec)
    ? (spec['serviceAccountName'] ?? spec['serviceAccount'] ?? 'default')
    : 'default';
  if (!isPlainObject(spec)) issues.push({ field: 'spec', message: 'must be an object' });
  else if (typeof serviceAccountName !== 'string' || serviceAccountName === '') {
    issues.push({ field: 'spec.serviceAccountName', message: 'must be a non-empty string' });
  }
  if (issues.length > 0 || typeof serviceAccountName !== 'string') {
    throw invalidObject(document.source, issues);
  }
  return {
    namespace: meta.namespace,
    name: meta.name,
    serviceAccountName,
    labels: meta.labels,
    source: document.source,
  };
}
