import type { KubernetesObject } from '../../models/KubernetesObject.js';
import { apiVersionOf, RESOURCE_VERBS } from './resourceCatalog.js';
import type { ServedResource } from './resourceCatalog.js';

/** `APIGroup` entries of every group the catalog serves, versions by Kubernetes priority. */
export function groupsOf(catalog: readonly ServedResource[]): {
  name: string;
  versions: { groupVersion: string; version: string }[];
  preferredVersion: { groupVersion: string; version: string };
}[] {
  const groups = new Map<string, string[]>();
  for (const resource of catalog) {
    if (resource.group === '') continue;
    const versions = groups.get(resource.group) ?? [];
    for (const version of resource.versions)
      if (!versions.includes(version)) versions.push(version);
    groups.set(resource.group, versions);
  }
  return [...groups.entries()].map(([name, versions]) => {
    const sorted = [...versions].sort(compareVersions);
    const entries = sorted.map((version) => ({ groupVersion: `${name}/${version}`, version }));
    return {
      name,
      versions: entries,
      preferredVersion: entries[0] ?? { groupVersion: `${name}/v1`, version: 'v1' },
    };
  });
}

/** Kubernetes version priority: GA before beta before alpha, higher numbers first. */
function compareVersions(a: string, b: string): number {
  const rank = (v: string): [number, number, number] => {
    const match = /^v(\d+)(?:(alpha|beta)(\d+))?$/.exec(v);
    if (match === null) return [3, 0, 0];
    const stage = match[2] === undefined ? 0 : match[2] === 'beta' ? 1 : 2;
    return [stage, -Number(match[1]), -Number(match[3] ?? 0)];
  };
  const [x, y] = [rank(a), rank(b)];
  return x[0] - y[0] || x[1] - y[1] || x[2] - y[2] || (a < b ? -1 : 1);
}

/** The `APIResourceList` of one group version, subresources included. */
export function resourceList(
  group: string,
  version: string,
  resources: readonly ServedResource[],
): KubernetesObject {
  const entries: KubernetesObject[] = [];
  for (const resource of resources) {
    entries.push({
      name: resource.resource,
      singularName: resource.singular,
      namespaced: resource.namespaced,
      kind: resource.kind,
      verbs: RESOURCE_VERBS,
      ...(resource.shortNames.length === 0 ? {} : { shortNames: resource.shortNames }),
      ...(resource.categories.length === 0 ? {} : { categories: resource.categories }),
    });
    for (const sub of resource.subresources) {
      entries.push({
        name: `${resource.resource}/${sub}`,
        singularName: '',
        namespaced: resource.namespaced,
        kind: resource.kind,
        verbs: ['get', 'patch', 'update'],
      });
    }
  }
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: apiVersionOf(group, version),
    resources: entries,
  };
}
