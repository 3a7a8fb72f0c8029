/**
 * How the node agent marks its node able to take branch interfaces, as EKS does both ways: the
 * legacy label `vpc.amazonaws.com/has-trunk-attached` and a cluster-scoped CNINode
 * (`vpcresources.k8s.aws/v1alpha1`) whose `spec.features` holds `{name: SecurityGroupsForPods}`.
 * The production adapter is `KubernetesClusterApi`. Both methods are idempotent and may throw
 * `AllocatorError` `Transient`, `Throttled`, `Unauthorized` or `NotFound` (no such node).
 */
export interface NodeRegistrationApi {
  /** Sets (string) or removes (null) labels of a node. */
  labelNode(nodeName: string, labels: Readonly<Record<string, string | null>>): Promise<void>;
  /** Creates the node's CNINode, or adds the feature to an existing one. */
  ensureCniNodeFeature(nodeName: string, feature: 'SecurityGroupsForPods'): Promise<void>;
}
