import { applyJsonPatch } from '@podsg/policy';
import type { JsonPatchOperation } from '@podsg/policy';
import { isJsonObject } from '../../internal/kubernetesObjects.js';
import type { KubernetesObject } from '../../models/KubernetesObject.js';
import { badRequest, KubernetesStatusFailure } from './KubernetesStatusFailure.js';

/** The patch media types the API server accepts. */
export type PatchType = 'json' | 'merge' | 'strategic';

/** The patch type of a Content-Type header; a 415 for anything else (server-side apply too). */
export function patchTypeOf(contentType: string | undefined): PatchType {
  const mediaType = (contentType ?? '').split(';')[0]?.trim().toLowerCase();
  switch (mediaType) {
    case 'application/json-patch+json':
      return 'json';
    case 'application/merge-patch+json':
      return 'merge';
    case 'application/strategic-merge-patch+json':
      return 'strategic';
    default:
      throw new KubernetesStatusFailure(
        415,
        'UnsupportedMediaType',
        `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json`,
      );
  }
}

/**
 * Applies a patch of `type` to `current` and returns the patched copy. Strategic merge patch
 * merges maps, replaces lists, except the lists Kubernetes merges by key (containers, volumes,
 * env, ports, … by name; conditions by type), and honours `$patch: delete|replace` and
 * `$deleteFromPrimitiveList`; kubectl's `$setElementOrder` and `$retainKeys` hints are accepted
 * and ignored. Throws a 422 or 400 naming what did not apply.
 */
export function applyPatch(
  current: KubernetesObject,
  patch: unknown,
  type: PatchType,
): KubernetesObject {
  if (type === 'json') {
    if (!Array.isArray(patch)) throw badRequest('json patch must be a list of operations');
    patch.forEach((operation, index) => {
      if (
        !isJsonObject(operation) ||
        typeof operation['op'] !== 'string' ||
        typeof operation['path'] !== 'string'
      ) {
        throw badRequest(`json patch operation [${index}] must have string "op" and "path"`);
      }
    });
    let patched: unknown;
    try {
      patched = applyJsonPatch(current, patch as JsonPatchOperation[]);
    } catch (error) {
      throw new KubernetesStatusFailure(
        422,
        'Invalid',
        `the server rejected our request due to an error in our request: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    if (!isJsonObject(patched)) throw badRequest('json patch did not produce an object');
    return patched;
  }
  if (!isJsonObject(patch)) throw badRequest(`${type} patch must be a JSON object`);
  const patched =
    type === 'merge' ? mergePatch(current, patch) : strategicMerge(current, patch, '');
  if (!isJsonObject(patched)) throw badRequest('patch did not produce an object');
  return patched;
}

/** RFC 7386 JSON merge patch. */
function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isJsonObject(patch)) return structuredClone(patch);
  const result: Record<string, unknown> = isJsonObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) Reflect.deleteProperty(result, key);
    else result[key] = mergePatch(result[key], value);
  }
  return result;
}

/** Merge keys of the lists Kubernetes merges, by field name (as in its API types' patch tags). */
const MERGE_KEYS: Readonly<Record<string, string>> = {
  containers: 'name',
  initContainers: 'name',
  ephemeralContainers: 'name',
  volumes: 'name',
  env: 'name',
  volumeMounts: 'mountPath',
  volumeDevices: 'devicePath',
  ports: 'containerPort',
  imagePullSecrets: 'name',
  conditions: 'type',
  ownerReferences: 'uid',
  hostAliases: 'ip',
  topologySpreadConstraints: 'topologyKey',
  taints: 'key',
  addresses: 'type',
};
/** Lists of scalars that merge as sets. */
const MERGED_PRIMITIVE_LISTS = new Set(['finalizers']);

function strategicMerge(target: unknown, patch: unknown, field: string): unknown {
  if (!isJsonObject(patch)) return structuredClone(patch);
  const directive = patch['$patch'];
  if (directive === 'replace') {
    const copy = { ...patch };
    Reflect.deleteProperty(copy, '$patch');
    return stripDirectives(copy);
  }
  if (directive === 'delete') return undefined;
  if (directive !== undefined)
    throw badRequest(`${field || 'patch'}: unknown $patch directive ${JSON.stringify(directive)}`);
  const result: Record<string, unknown> = isJsonObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (key.startsWith('$setElementOrder/') || key === '$retainKeys') continue;
    if (key.startsWith('$deleteFromPrimitiveList/')) {
      const listKey = key.slice('$deleteFromPrimitiveList/'.length);
      const existing = result[listKey];
      if (Array.isArray(existing) && Array.isArray(value)) {
        result[listKey] = existing.filter((item) => !value.includes(item));
      }
      continue;
    }
    const path = field === '' ? key : `${field}.${key}`;
    if (value === null) {
      Reflect.deleteProperty(result, key);
      continue;
    }
    const mergeKey = MERGE_KEYS[key];
    if (Array.isArray(value) && mergeKey !== undefined) {
      result[key] = mergeList(result[key], value, mergeKey, path);
    } else if (Array.isArray(value) && MERGED_PRIMITIVE_LISTS.has(key)) {
      const existing: unknown[] = Array.isArray(result[key]) ? (result[key] as unknown[]) : [];
      const added: unknown[] = (value as unknown[]).filter((item) => !existing.includes(item));
      result[key] = [...existing, ...added];
    } else if (isJsonObject(value)) {
      const merged = strategicMerge(result[key], value, path);
      if (merged === undefined) Reflect.deleteProperty(result, key);
      else result[key] = merged;
    } else {
      result[key] = structuredClone(value);
    }
  }
  return result;
}

function mergeList(target: unknown, patch: unknown[], mergeKey: string, field: string): unknown[] {
  const result: unknown[] = Array.isArray(target) ? [...(target as unknown[])] : [];
  if (patch.some((item) => isJsonObject(item) && item['$patch'] === 'replace')) {
    return patch
      .filter((item) => !(isJsonObject(item) && item['$patch'] === 'replace'))
      .map(stripDirectives);
  }
  for (const item of patch) {
    if (!isJsonObject(item) || item[mergeKey] === undefined) {
      throw new KubernetesStatusFailure(
        422,
        'Invalid',
        `${field}: every element must be an object with the merge key "${mergeKey}"`,
        {
          causes: [
            { reason: 'FieldValueInvalid', message: `missing merge key ${mergeKey}`, field },
          ],
        },
      );
    }
    const index = result.findIndex(
      (existing) => isJsonObject(existing) && existing[mergeKey] === item[mergeKey],
    );
    if (item['$patch'] === 'delete') {
      if (index >= 0) result.splice(index, 1);
      continue;
    }
    if (index >= 0)
      result[index] = strategicMerge(
        result[index],
        item,
        `${field}[${JSON.stringify(item[mergeKey])}]`,
      );
    else result.push(stripDirectives(item));
  }
  return result;
}

function stripDirectives(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stripDirectives);
  if (!isJsonObject(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [key, member] of Object.entries(value)) {
    if (key.startsWith('$')) continue;
    out[key] = stripDirectives(member);
  }
  return out;
}
