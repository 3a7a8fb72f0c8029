import type { KubernetesVerb } from '../models/FakeKubernetesServerOptions.js';
import { KubernetesStatusFailure } from './KubernetesStatusFailure.js';
import { booleanParameter } from './readRequest.js';
import type { ServedResource } from './resourceCatalog.js';

/** What a parsed resource path names. */
export interface ResourceRequest {
  resource: ServedResource;
  version: string;
  namespace: string | null;
  name: string | null;
  subresource: 'status' | null;
}

/** The API server's 404 for a path it does not serve. */
export function notFoundPath(): KubernetesStatusFailure {
  return new KubernetesStatusFailure(
    404,
    'NotFound',
    'the server could not find the requested resource',
    { causes: [{ reason: 'UnexpectedServerResponse', message: '404 page not found' }] },
  );
}

/** `namespaces/NS/RESOURCE[/NAME[/SUB]]` or `RESOURCE[/NAME[/SUB]]` within one group version. */
export function parseResourcePath(
  path: string[],
  resources: readonly ServedResource[],
  version: string,
): ResourceRequest {
  let namespace: string | null = null;
  let rest = path;
  if (
    path[0] === 'namespaces' &&
    path.length >= 3 &&
    !['status', 'finalize'].includes(path[2] ?? '')
  ) {
    namespace = path[1] ?? null;
    rest = path.slice(2);
  }
  const [resourceName, name, subresource, ...extra] = rest;
  const resource = resources.find((r) => r.resource === resourceName);
  if (resource === undefined || extra.length > 0) throw notFoundPath();
  if (namespace !== null && !resource.namespaced) throw notFoundPath();
  if (
    subresource !== undefined &&
    !(subresource === 'status' && resource.subresources.includes('status'))
  ) {
    throw notFoundPath();
  }
  if (name !== undefined && (name === '' || name.includes('/'))) throw notFoundPath();
  return {
    resource,
    version,
    namespace,
    name: name ?? null,
    subresource: subresource === undefined ? null : 'status',
  };
}

/** The Kubernetes verb of a request (a watch is a GET with `watch=true`); 405 for other methods. */
export function verbOf(method: string, target: ResourceRequest, url: URL): KubernetesVerb {
  const collection = target.name === null;
  switch (method) {
    case 'GET':
      if (!collection) return 'get';
      return booleanParameter(url.searchParams, 'watch') ? 'watch' : 'list';
    case 'POST':
      if (collection && target.subresource === null) return 'create';
      break;
    case 'PUT':
      if (!collection) return 'update';
      break;
    case 'PATCH':
      if (!collection) return 'patch';
      break;
    case 'DELETE':
      if (target.subresource === null) return collection ? 'deletecollection' : 'delete';
      break;
  }
  throw new KubernetesStatusFailure(
    405,
    'MethodNotAllowed',
    'the server does not allow this method on the requested resource',
  );
}
