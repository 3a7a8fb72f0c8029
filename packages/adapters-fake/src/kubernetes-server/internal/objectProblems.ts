import { validateLabelKey, validateLabelValue } from '@podsg/policy';
import { isJsonObject, objectAt } from '../../internal/kubernetesObjects.js';
import type { KubernetesObject } from '../../models/KubernetesObject.js';
import { badRequest } from './KubernetesStatusFailure.js';

/**
 * Checks what every object's metadata must satisfy before anything is stored: string fields are
 * strings and labels and annotations maps of strings (else a 400, as the API server's decoder
 * answers), label keys and values valid (returned as 422 causes), and for Events a reference to
 * the object they are about and a known type.
 */
export function objectProblems(
  object: KubernetesObject,
  kind: string,
): { field: string; message: string }[] {
  const metadata = objectAt(object, 'metadata') ?? {};
  for (const field of ['name', 'generateName', 'namespace', 'resourceVersion', 'uid']) {
    const value = metadata[field];
    if (value !== undefined && value !== null && typeof value !== 'string') {
      throw badRequest(
        `${kind} in version "v1" cannot be handled as a ${kind}: json: cannot unmarshal ${typeof value} into Go struct field ObjectMeta.metadata.${field} of type string`,
      );
    }
  }
  const problems: { field: string; message: string }[] = [];
  for (const field of ['labels', 'annotations']) {
    const map = metadata[field];
    if (map === undefined || map === null) continue;
    if (!isJsonObject(map) || Object.values(map).some((v) => typeof v !== 'string')) {
      throw badRequest(
        `${kind} in version "v1" cannot be handled as a ${kind}: json: cannot unmarshal into Go struct field ObjectMeta.metadata.${field} of type map[string]string`,
      );
    }
    if (field === 'labels') {
      for (const [key, value] of Object.entries(map as Record<string, string>)) {
        const keyProblem = validateLabelKey(key);
        if (keyProblem !== null)
          problems.push({
            field: `metadata.labels`,
            message: `Invalid value: ${JSON.stringify(key)}: ${keyProblem}`,
          });
        const valueProblem = validateLabelValue(value);
        if (valueProblem !== null)
          problems.push({
            field: `metadata.labels`,
            message: `Invalid value: ${JSON.stringify(value)}: ${valueProblem}`,
          });
      }
    }
  }
  if (kind === 'Event') {
    const reference = objectAt(object, 'involvedObject') ?? objectAt(object, 'regarding');
    if (reference === undefined)
      problems.push({ field: 'involvedObject', message: 'Required value' });
    const namespace = metadata['namespace'];
    const referenceNamespace = reference?.['namespace'];
    if (
      typeof referenceNamespace === 'string' &&
      referenceNamespace !== '' &&
      referenceNamespace !== namespace
    ) {
      problems.push({
        field: 'involvedObject.namespace',
        message: `Invalid value: ${JSON.stringify(referenceNamespace)}: does not match event.namespace`,
      });
    }
    const type = object['type'];
    if (type !== undefined && type !== 'Normal' && type !== 'Warning') {
      problems.push({
        field: 'type',
        message: `Unsupported value: ${JSON.stringify(type)}: supported values: "Normal", "Warning"`,
      });
    }
  }
  return problems;
}
