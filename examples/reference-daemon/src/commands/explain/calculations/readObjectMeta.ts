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

/** One problem with a field of an object read from a manifest. */
export interface FieldIssue {
  readonly field: string;
  readonly message: string;
}

/**
 * Reads `metadata.name`, `metadata.namespace` and `metadata.labels` of a Kubernetes
 * object, as the API server would accept them: strings, and label values strings too (a
 * YAML `true` or `1.0` is refused, as `kubectl apply` would refuse it).
 *
 * @throws PodsgdCliError `InvalidInput` naming the file and every field at fault.
 */
export function readObjectMeta(
  object: Readonly<Record<string, unknown>>,
  source: ManifestSource,
  defaultNamespace: string,
): ObjectMeta {
  const { meta, issues } = inspectObjectMeta(object, defaultNamespace);
  if (issues.length > 0) throw invalidObject(source, issues);
  return meta;
}

/** {@link readObjectMeta} without throwing: what it read, and every issue found on the way. */
export function inspectObjectMeta(
  object: Readonly<Record<string, unknown>>,
  defaultNamespace: string,
): { meta: ObjectMeta; issues: FieldIssue[] } {
  const issues: FieldIssue[] = [];
  const metadata = object['metadata'] ?? {};
  if (!isPlainObject(metadata)) {
    issues.push({ field: 'metadata', message: 'must be an object' });
    return { meta: { name: null, namespace: defaultNamespace, labels: {} }, issues };
  }
  const { name, namespace, labels = {} } = metadata;
  const nameOk = name === undefined || (typeof name === 'string' && name !== '');
  if (!nameOk) issues.push({ field: 'metadata.name', message: 'must be a non-empty string' });
  const namespaceOk =
    namespace === undefined || (typeof namespace === 'string' && namespace !== '');
  if (!namespaceOk) {
    issues.push({ field: 'metadata.namespace', message: 'must be a non-empty string' });
  }
  const checked: Record<string, string> = {};
  if (!isPlainObject(labels)) {
    issues.push({ field: 'metadata.labels', message: 'must be a map of strings' });
  } else {
    for (const [key, value] of Object.entries(labels)) {
      if (typeof value === 'string') checked[key] = value;
      else {
        issues.push({
          field: `metadata.labels.${key}`,
          message: `must be a string, got ${value === null ? 'null' : typeof value} (quote it in YAML)`,
        });
      }
    }
  }
  return {
    meta: {
      name: nameOk && typeof name === 'string' ? name : null,
      namespace: namespaceOk && typeof namespace === 'string' ? namespace : defaultNamespace,
      labels: checked,
    },
    issues,
  };
}

/**
 * The operator's error for an object with `issues`: one line for one issue, else a count and
 * one indented line per issue, so a bad object is fixed in one round.
 */
export function invalidObject(
  source: ManifestSource,
  issues: readonly FieldIssue[],
): PodsgdCliError {
  const where = describeManifestSource(source);
  const message =
    issues.length === 1 && issues[0] !== undefined
      ? `${where}: ${issues[0].field}: ${issues[0].message}`
      : `${where}: ${issues.length} problems:\n${issues.map((i) => `  ${i.field}: ${i.message}`).join('\n')}`;
  return new PodsgdCliError('InvalidInput', message, source.file);
}

/** True for a JSON-style object (not null, not an array). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
