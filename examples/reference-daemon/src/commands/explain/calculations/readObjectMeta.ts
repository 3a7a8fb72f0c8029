import { PodsgdCliError } from '../../../cli/errors/PodsgdCliError.js';
import type { ManifestSource } from '../models/ManifestSource.js';
import { describeManifestSource } from './describeManifestSource.js';

/** The parts of `metadata` that `explain` uses, checked. */
export interface ObjectMeta {
  readonly name: string | null;
  /** The object's namespace, or the default namespace when it sets none. */
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>>;
}

/**
 * Reads `metadata.name`, `metadata.namespace` and `metadata.labels` of a Kubernetes
 * object, as the API server would accept them: strings, and label values strings too (a
 * YAML `true` or `1.0` is refused, as `kubectl apply` would refuse it).
 *
 * @throws PodsgdCliError `InvalidInput` naming the file and the field.
 */
export function readObjectMeta(
  object: Readonly<Record<string, unknown>>,
  source: ManifestSource,
  defaultNamespace: string,
): ObjectMeta {
  const fail = (field: string, message: string): PodsgdCliError =>
    new PodsgdCliError(
      'InvalidInput',
      `${describeManifestSource(source)}: ${field}: ${message}`,
      source.file,
    );
  const metadata = object['metadata'] ?? {};
  if (!isPlainObject(metadata)) throw fail('metadata', 'must be an object');
  const { name, namespace, labels = {} } = metadata;
  if (name !== undefined && (typeof name !== 'string' || name === '')) {
    throw fail('metadata.name', 'must be a non-empty string');
  }
  if (namespace !== undefined && (typeof namespace !== 'string' || namespace === '')) {
    throw fail('metadata.namespace', 'must be a non-empty string');
  }
  if (!isPlainObject(labels)) throw fail('metadata.labels', 'must be a map of strings');
  const checked: Record<string, string> = {};
  for (const [key, value] of Object.entries(labels)) {
    if (typeof value !== 'string') {
      throw fail(
        `metadata.labels.${key}`,
        `must be a string, got ${value === null ? 'null' : typeof value} (quote it in YAML)`,
      );
    }
    checked[key] = value;
  }
  return { name: name ?? null, namespace: namespace ?? defaultNamespace, labels: checked };
}

/** True for a JSON-style object (not null, not an array). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
