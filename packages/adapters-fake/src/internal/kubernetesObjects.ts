import type { KubernetesObject } from '../models/KubernetesObject.js';

/** A JSON object (not null, not an array). */
export type JsonObject = KubernetesObject;

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `value[key]` when `value` is an object and the member is one too. */
export function objectAt(value: unknown, key: string): JsonObject | undefined {
  if (!isJsonObject(value)) return undefined;
  const member = value[key];
  return isJsonObject(member) ? member : undefined;
}

/** `value[key]` when it is a string. */
export function stringAt(value: unknown, key: string): string | undefined {
  if (!isJsonObject(value)) return undefined;
  const member = value[key];
  return typeof member === 'string' ? member : undefined;
}

/** The string-valued members of `value[key]` (labels, annotations). */
export function stringMapAt(value: unknown, key: string): Record<string, string> {
  const map = objectAt(value, key);
  const out: Record<string, string> = {};
  if (map === undefined) return out;
  for (const [k, v] of Object.entries(map)) if (typeof v === 'string') out[k] = v;
  return out;
}

/**
 * An integer resource quantity (`1`, `"2"`, `"3k"` is refused); null when absent, NaN when it is
 * not a whole number.
 */
export function integerQuantity(value: unknown): number | null {
  if (value === undefined || value === null) return null;
  if (typeof value === 'number') return Number.isInteger(value) && value >= 0 ? value : NaN;
  if (typeof value === 'string' && /^\d+$/.test(value)) return Number(value);
  return NaN;
}

/**
 * What the pod requests of an extended resource: per container its request, else its limit
 * (Kubernetes defaults requests of extended resources to their limits), summed over containers.
 * NaN when a container carries a quantity that is not a whole number.
 */
export function podResourceRequest(spec: JsonObject | undefined, resource: string): number {
  const containers = spec?.['containers'];
  if (!Array.isArray(containers)) return 0;
  let total = 0;
  for (const container of containers) {
    const resources = objectAt(container, 'resources');
    const request =
      integerQuantity(objectAt(resources, 'requests')?.[resource]) ??
      integerQuantity(objectAt(resources, 'limits')?.[resource]) ??
      0;
    total += request;
  }
  return total;
}
