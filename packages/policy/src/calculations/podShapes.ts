import type { AdmissionRequest } from '../models/AdmissionReview.js';
import { isJsonObject } from './jsonShapes.js';

/** Whether an admission request is about a core-group Pod (any subresource). */
export function isPodRequest(request: AdmissionRequest): boolean {
  const kind: unknown = request.kind;
  if (isJsonObject(kind)) return kind['kind'] === 'Pod' && (kind['group'] ?? '') === '';
  const resource: unknown = request.resource;
  return (
    isJsonObject(resource) && resource['resource'] === 'pods' && (resource['group'] ?? '') === ''
  );
}

/** A JSON object member that is itself a JSON object, or undefined. */
export function objectMember(parent: unknown, key: string): Record<string, unknown> | undefined {
  if (!isJsonObject(parent)) return undefined;
  const value = parent[key];
  return isJsonObject(value) ? value : undefined;
}

/** A JSON object member that is a string, or undefined. */
export function stringMember(parent: unknown, key: string): string | undefined {
  if (!isJsonObject(parent) || !Object.hasOwn(parent, key)) return undefined;
  const value = parent[key];
  return typeof value === 'string' ? value : undefined;
}

/** The string-valued members of a JSON object (labels, annotations, node selectors). */
export function stringMap(value: unknown): Record<string, string> {
  const map: Record<string, string> = {};
  if (!isJsonObject(value)) return map;
  for (const [key, member] of Object.entries(value)) {
    if (typeof member === 'string') {
      Object.defineProperty(map, key, {
        value: member,
        writable: true,
        enumerable: true,
        configurable: true,
      });
    }
  }
  return map;
}

/** `namespace/name` of a pod for messages; a generated name shows as `prefix*`. */
export function podDisplayName(pod: unknown, namespace: string | undefined): string {
  const metadata = objectMember(pod, 'metadata');
  const name =
    stringMember(metadata, 'name') ??
    (stringMember(metadata, 'generateName') === undefined
      ? '<unnamed>'
      : `${stringMember(metadata, 'generateName') ?? ''}*`);
  return `${namespace ?? '<no namespace>'}/${name}`;
}
