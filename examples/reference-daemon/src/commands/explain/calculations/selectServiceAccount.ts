import { PodsgdCliError } from '../../../cli/errors/PodsgdCliError.js';
import type { ExplainedPod, ExplainedServiceAccount } from '../models/ExplainReport.js';
import type { ManifestDocument } from '../models/ManifestDocument.js';
import { describeManifestSource } from './describeManifestSource.js';
import { isPlainObject, readObjectMeta } from './readObjectMeta.js';

/**
 * Finds the pod's own ServiceAccount (same namespace, name `pod.serviceAccountName`)
 * among the documents of the `--service-account` file, which may hold several. Using
 * another account's labels would give a wrong answer, so a file without the pod's
 * account is an error rather than a guess.
 *
 * @throws PodsgdCliError `InvalidInput` naming the file, and what it does hold.
 */
export function selectServiceAccount(
  documents: readonly ManifestDocument[],
  file: string,
  pod: ExplainedPod,
  defaultNamespace: string,
): ExplainedServiceAccount {
  const broken = documents.find((document) => document.yamlError !== undefined);
  if (broken?.yamlError !== undefined) {
    throw new PodsgdCliError(
      'InvalidInput',
      `${describeManifestSource(broken.source)}: not valid YAML: ${broken.yamlError}`,
      file,
    );
  }
  const wanted = `${pod.namespace}/${pod.serviceAccountName}`;
  const found: string[] = [];
  for (const document of documents) {
    const object = document.content;
    if (!isPlainObject(object) || object['kind'] !== 'ServiceAccount') continue;
    const meta = readObjectMeta(object, document.source, defaultNamespace);
    const name = meta.name ?? '(unnamed)';
    if (meta.namespace === pod.namespace && name === pod.serviceAccountName) {
      return { namespace: meta.namespace, name, labels: meta.labels, source: document.source };
    }
    found.push(`${meta.namespace}/${name}`);
  }
  const holds = found.length === 0 ? 'no ServiceAccount' : `only ${found.join(', ')}`;
  throw new PodsgdCliError(
    'InvalidInput',
    `${file}: has no ServiceAccount ${wanted} (the pod's service account); it holds ${holds}`,
    file,
  );
}
