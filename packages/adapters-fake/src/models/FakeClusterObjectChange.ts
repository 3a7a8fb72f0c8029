import type { KubernetesObject } from './KubernetesObject.js';

/**
 * A resource of the fake cluster's object API: `pods`, `nodes`, `serviceaccounts`, `namespaces`,
 * `events` (the core group: the plural alone), or `<group>/<plural>` for every other group
 * (`coordination.k8s.io/leases`, `vpcresources.k8s.aws/securitygrouppolicies`, …).
 */
export interface FakeResource {
  /** The API group; '' for the core group. */
  group: string;
  /** The plural resource name, lowercase. */
  resource: string;
  /** The object kind stored (`Lease`). */
  kind: string;
  /** Whether objects live in a namespace. */
  namespaced: boolean;
}

/** One stored change, as the API server's watch cache keeps it. */
export interface FakeClusterObjectChange {
  /** The cluster-wide resourceVersion the change produced. */
  resourceVersion: number;
  /** `pods`, `nodes`, … or `<group>/<plural>` (see `FakeResource`). */
  resource: string;
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  /** The object after the change (for DELETED: as last stored, with the deletion's resourceVersion). */
  object: KubernetesObject;
  /** The object before the change, when the log knew it (MODIFIED only). */
  previous: KubernetesObject | null;
}
