import { AllocatorError } from '@podsg/allocator';
import type { KubernetesTransport } from '@podsg/adapters-aws';
import { PodsgdCliError } from '../../cli/errors/PodsgdCliError.js';

/** Where the API serves the kinds `podsgd dev` writes. */
const RESOURCES: Readonly<Record<string, { base: string; plural: string; namespaced: boolean }>> = {
  'v1/Namespace': { base: '/api/v1', plural: 'namespaces', namespaced: false },
  'v1/ServiceAccount': { base: '/api/v1', plural: 'serviceaccounts', namespaced: true },
  'v1/Pod': { base: '/api/v1', plural: 'pods', namespaced: true },
  'apiextensions.k8s.io/v1/CustomResourceDefinition': {
    base: '/apis/apiextensions.k8s.io/v1',
    plural: 'customresourcedefinitions',
    namespaced: false,
  },
  'admissionregistration.k8s.io/v1/MutatingWebhookConfiguration': {
    base: '/apis/admissionregistration.k8s.io/v1',
    plural: 'mutatingwebhookconfigurations',
    namespaced: false,
  },
  'admissionregistration.k8s.io/v1/ValidatingWebhookConfiguration': {
    base: '/apis/admissionregistration.k8s.io/v1',
    plural: 'validatingwebhookconfigurations',
    namespaced: false,
  },
  'vpcresources.k8s.aws/v1beta1/SecurityGroupPolicy': {
    base: '/apis/vpcresources.k8s.aws/v1beta1',
    plural: 'securitygrouppolicies',
    namespaced: true,
  },
};

/** The kinds `KubernetesObjectWriter` can write. */
export const WRITABLE_KINDS = Object.keys(RESOURCES);

/**
 * Creates, replaces and deletes objects through the Kubernetes API as a user would with
 * `kubectl apply`/`delete` (so admission webhooks see every write), for `podsgd dev`.
 */
export class KubernetesObjectWriter {
  readonly #transport: KubernetesTransport;

  constructor(transport: KubernetesTransport) {
    this.#transport = transport;
  }

  /** Creates the object, or replaces it when it exists (AlreadyExists → get, put). */
  async apply(object: Readonly<Record<string, unknown>>): Promise<void> {
    const { collection, name, what } = this.#locate(object);
    try {
      await this.#transport.request({
        method: 'POST',
        path: collection,
        body: object,
        operation: `create ${what}`,
      });
    } catch (error) {
      if (!(error instanceof AllocatorError && error.kind === 'Conflict')) throw error;
      const current = (await this.#transport.request({
        method: 'GET',
        path: `${collection}/${name}`,
        operation: `get ${what}`,
      })) as { metadata?: { resourceVersion?: string } };
      const metadata = object['metadata'] as Record<string, unknown>;
      await this.#transport.request({
        method: 'PUT',
        path: `${collection}/${name}`,
        body: {
          ...object,
          metadata: { ...metadata, resourceVersion: current.metadata?.resourceVersion },
        },
        operation: `replace ${what}`,
      });
    }
  }

  /** Deletes the object; one that is already gone is fine. */
  async delete(kind: string, namespace: string | null, name: string): Promise<void> {
    const apiVersion = Object.keys(RESOURCES).find((key) => key.endsWith(`/${kind}`));
    const { collection, what } = this.#locate({
      apiVersion: apiVersion?.slice(0, -kind.length - 1),
      kind,
      metadata: { name, namespace },
    });
    try {
      await this.#transport.request({
        method: 'DELETE',
        path: `${collection}/${name}`,
        operation: `delete ${what}`,
      });
    } catch (error) {
      if (!(error instanceof AllocatorError && error.kind === 'NotFound')) throw error;
    }
  }

  #locate(object: Readonly<Record<string, unknown>>): {
    collection: string;
    name: string;
    what: string;
  } {
    const key = `${String(object['apiVersion'])}/${String(object['kind'])}`;
    const resource = RESOURCES[key];
    if (resource === undefined) {
      throw new PodsgdCliError(
        'InvalidInput',
        `podsgd dev: cannot write ${key} (known: ${WRITABLE_KINDS.join(', ')})`,
      );
    }
    const metadata = (object['metadata'] ?? {}) as Record<string, unknown>;
    const name = typeof metadata['name'] === 'string' ? metadata['name'] : '';
    if (name === '') {
      throw new PodsgdCliError('InvalidInput', `podsgd dev: ${key} without metadata.name`);
    }
    const namespace = typeof metadata['namespace'] === 'string' ? metadata['namespace'] : 'default';
    const collection = resource.namespaced
      ? `${resource.base}/namespaces/${encodeURIComponent(namespace)}/${resource.plural}`
      : `${resource.base}/${resource.plural}`;
    return {
      collection,
      name: encodeURIComponent(name),
      what: `${resource.plural} ${resource.namespaced ? `${namespace}/` : ''}${name}`,
    };
  }
}
