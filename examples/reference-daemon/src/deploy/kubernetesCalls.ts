import type { ClusterApi } from '@podsg/allocator';
import type { NodeRegistrationApi } from '../agent/ports/NodeRegistrationApi.js';
import type { ReleaseConfirmationApi } from '../agent/ports/ReleaseConfirmationApi.js';
import type { LeaseClient } from '../controller/ports/LeaseClient.js';
import type { WebhookCaBundleApi } from '../controller/ports/WebhookCaBundleApi.js';

/** One Kubernetes API permission: `verb` on `group`/`resource` (a subresource as `nodes/status`). */
export type KubernetesPermission = `${string} ${string}/${string}`;

const core = (verb: string, resource: string): KubernetesPermission => `${verb} /${resource}`;
const sgp = (verb: string): KubernetesPermission =>
  `${verb} vpcresources.k8s.aws/securitygrouppolicies`;
const cninodes = (verb: string): KubernetesPermission => `${verb} vpcresources.k8s.aws/cninodes`;
const listWatch = (permission: (verb: string) => KubernetesPermission): KubernetesPermission[] => [
  permission('list'),
  permission('watch'),
];

/**
 * The API calls each port method makes through the Kubernetes adapter. The `Record` types make
 * this exhaustive: a method added to a port does not compile until its permissions are listed,
 * and the manifest test compares the RBAC rules with these lists, both ways.
 */
export const PERMISSIONS_OF_METHOD = {
  cluster: {
    // Pods, nodes, service accounts, policies and CNINodes (the opt-in signal), listed then watched.
    list: [
      ...listWatch((verb) => core(verb, 'pods')),
      ...listWatch((verb) => core(verb, 'nodes')),
      ...listWatch((verb) => core(verb, 'serviceaccounts')),
      ...listWatch(sgp),
      ...listWatch(cninodes),
    ],
    watch: [],
    annotatePod: [core('patch', 'pods')],
    getPod: [core('get', 'pods')],
    setNodeCapacity: [core('patch', 'nodes/status')],
    recordEvent: [core('create', 'events'), core('patch', 'events')],
    serviceAccountLabels: [core('get', 'serviceaccounts')],
  } satisfies Record<keyof ClusterApi, KubernetesPermission[]>,
  /** The node agent's ClusterApi is scoped to its node's pods: list and watch pods only. */
  nodeScopedCluster: {
    list: listWatch((verb) => core(verb, 'pods')),
    watch: [],
  } satisfies Record<'list' | 'watch', KubernetesPermission[]>,
  leases: {
    getLease: ['get coordination.k8s.io/leases'],
    createLease: ['create coordination.k8s.io/leases'],
    updateLease: ['update coordination.k8s.io/leases'],
  } satisfies Record<keyof LeaseClient, KubernetesPermission[]>,
  webhookCaBundle: {
    setWebhookCaBundle: [
      'get admissionregistration.k8s.io/mutatingwebhookconfigurations',
      'patch admissionregistration.k8s.io/mutatingwebhookconfigurations',
      'get admissionregistration.k8s.io/validatingwebhookconfigurations',
      'patch admissionregistration.k8s.io/validatingwebhookconfigurations',
    ],
  } satisfies Record<keyof WebhookCaBundleApi, KubernetesPermission[]>,
  nodeRegistration: {
    labelNode: [core('get', 'nodes'), core('patch', 'nodes')],
    ensureCniNodeFeature: [cninodes('get'), cninodes('create'), cninodes('patch')],
  } satisfies Record<keyof NodeRegistrationApi, KubernetesPermission[]>,
  releaseConfirmation: {
    annotateNode: [core('patch', 'nodes')],
  } satisfies Record<keyof ReleaseConfirmationApi, KubernetesPermission[]>,
};

/** Which ports each podsgd process uses (the daemons' constructors inject exactly these). */
export const PERMISSIONS_OF_PROCESS: Readonly<
  Record<'podsg-controller' | 'podsg-node-agent', readonly KubernetesPermission[]>
> = {
  'podsg-controller': unique([
    PERMISSIONS_OF_METHOD.cluster,
    PERMISSIONS_OF_METHOD.leases,
    PERMISSIONS_OF_METHOD.webhookCaBundle,
  ]),
  'podsg-node-agent': unique([
    PERMISSIONS_OF_METHOD.nodeScopedCluster,
    PERMISSIONS_OF_METHOD.nodeRegistration,
    PERMISSIONS_OF_METHOD.releaseConfirmation,
  ]),
};

function unique(ports: readonly Record<string, KubernetesPermission[]>[]): KubernetesPermission[] {
  return [...new Set(ports.flatMap((port) => Object.values(port).flat()))].sort();
}
