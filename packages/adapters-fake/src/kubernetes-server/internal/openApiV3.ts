import type { KubernetesObject } from '../../models/KubernetesObject.js';
import { apiVersionOf } from './resourceCatalog.js';
import type { ServedResource } from './resourceCatalog.js';

/**
 * `/openapi/v3`: one entry per served group version. kubectl reads it to learn that the server
 * validates fields itself (then it skips client-side schema validation).
 */
export function openApiV3Root(catalog: readonly ServedResource[]): KubernetesObject {
  const paths: Record<string, { serverRelativeURL: string }> = {};
  for (const resource of catalog) {
    for (const version of resource.versions) {
      const path = resource.group === '' ? `api/${version}` : `apis/${resource.group}/${version}`;
      paths[path] = { serverRelativeURL: `/openapi/v3/${path}?hash=podsg` };
    }
  }
  return { paths };
}

/**
 * `/openapi/v3/<api|apis/group>/<version>`: the resources' paths with their verbs, the
 * `x-kubernetes-group-version-kind` extension and the `fieldValidation` parameter, but no
 * schemas (so kubectl falls back to its built-in patch metadata for strategic merge patches).
 * Null for a group version nothing serves.
 */
export function openApiV3GroupVersion(
  catalog: readonly ServedResource[],
  group: string,
  version: string,
): KubernetesObject | null {
  const resources = catalog.filter((r) => r.group === group && r.versions.includes(version));
  if (resources.length === 0) return null;
  const prefix = group === '' ? `/api/${version}` : `/apis/${group}/${version}`;
  const paths: Record<string, KubernetesObject> = {};
  for (const resource of resources) {
    const gvk = { group, version, kind: resource.kind };
    const operation = (action: string): KubernetesObject => ({
      'x-kubernetes-action': action,
      'x-kubernetes-group-version-kind': gvk,
      parameters: [
        { name: 'fieldValidation', in: 'query', schema: { type: 'string', uniqueItems: true } },
        { name: 'dryRun', in: 'query', schema: { type: 'string', uniqueItems: true } },
      ],
      responses: { '200': { description: 'OK' } },
    });
    const collection = resource.namespaced
      ? `${prefix}/namespaces/{namespace}/${resource.resource}`
      : `${prefix}/${resource.resource}`;
    paths[collection] = { post: operation('post'), get: operation('list') };
    paths[`${collection}/{name}`] = {
      get: operation('get'),
      put: operation('put'),
      patch: operation('patch'),
      delete: operation('delete'),
    };
    if (resource.subresources.includes('status')) {
      paths[`${collection}/{name}/status`] = {
        get: operation('get'),
        put: operation('put'),
        patch: operation('patch'),
      };
    }
  }
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes', version: 'v1.32.0' },
    paths,
    components: { schemas: {} },
    'x-podsg-group-version': apiVersionOf(group, version),
  };
}
