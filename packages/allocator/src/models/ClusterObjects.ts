import type { ReleasedBranch } from './ReleasedBranch.js';

/** A reference to a Kubernetes object, for events and preconditions. */
export interface ObjectReference {
  kind: 'Pod' | 'Node' | 'SecurityGroupPolicy' | 'ServiceAccount';
  namespace?: string;
  name: string;
  uid?: string;
}

/** The pod facts the allocator acts on, extracted from a Kubernetes Pod by the adapter. */
export interface ClusterPod {
  namespace: string;
  name: string;
  uid: string;
  labels: Readonly<Record<string, string>>;
  annotations: Readonly<Record<string, string>>;
  /** `spec.serviceAccountName`, `default` when unset. */
  serviceAccountName: string;
  /** `spec.nodeName`; null while the pod is not scheduled. */
  nodeName: string | null;
  phase: 'Pending' | 'Running' | 'Succeeded' | 'Failed' | 'Unknown';
  /** Whether any container requests or limits `vpc.amazonaws.com/pod-eni`. */
  requestsPodEni: boolean;
  hostNetwork: boolean;
  /** Set once deletion has begun (graceful termination). */
  terminating: boolean;
  resourceVersion: string;
}

/** The node facts the allocator acts on. */
export interface ClusterNode {
  name: string;
  uid: string;
  labels: Readonly<Record<string, string>>;
  /** EC2 instance id from `spec.providerID` (`aws:///zone/i-…`); null when not an EC2 node. */
  instanceId: string | null;
  /** `node.kubernetes.io/instance-type` label; null when absent. */
  instanceType: string | null;
  /**
   * The node agent's confirmed releases: the node's `podsg.io/released-branches` annotation
   * read with `parseReleasedBranches` (invalid entries left out). Absent, like empty, when the
   * node has none or the adapter does not follow the annotation: branches then cool down for
   * the whole cooldown.
   */
  releasedBranches?: readonly ReleasedBranch[];
  /** `parseReleasedBranches`'s warnings about that annotation; the controller reports them. */
  releasedBranchesWarnings?: readonly string[];
}

/** A service account's identity and labels. */
export interface ClusterServiceAccount {
  namespace: string;
  name: string;
  labels: Readonly<Record<string, string>>;
}

/** A Kubernetes event to record. */
export interface ClusterEvent {
  involvedObject: ObjectReference;
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
}

/**
 * A change seen by a watch. Policies arrive as raw objects: the allocator parses them with
 * `@podsg/policy` so invalid ones are reported, not trusted.
 */
export type ClusterChange =
  | { kind: 'Pod'; type: 'upsert'; pod: ClusterPod }
  | { kind: 'Pod'; type: 'delete'; pod: ClusterPod }
  | { kind: 'Node'; type: 'upsert'; node: ClusterNode }
  | { kind: 'Node'; type: 'delete'; node: ClusterNode }
  | { kind: 'ServiceAccount'; type: 'upsert' | 'delete'; serviceAccount: ClusterServiceAccount }
  | {
      kind: 'SecurityGroupPolicy';
      type: 'upsert' | 'delete';
      policy: unknown;
      namespace: string;
      name: string;
    };
