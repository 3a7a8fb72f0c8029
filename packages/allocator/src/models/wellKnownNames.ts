/**
 * The extended resource a trunk node advertises and a pod requests for a branch interface, and
 * the pod annotation holding the JSON array of the pod's branch interfaces: defined once, in
 * `@podsg/policy` (the webhook needs them too), and re-exported here.
 */
export { POD_ENI_ANNOTATION, POD_ENI_RESOURCE } from '@podsg/policy';

/** The node label whose presence (any value) opts a node in to branch interfaces. */
export const HAS_TRUNK_ATTACHED_LABEL = 'vpc.amazonaws.com/has-trunk-attached';

/** EC2 description of a trunk interface (as EKS). */
export const TRUNK_DESCRIPTION = 'aws-k8s-trunk-eni';

/** EC2 description of a branch interface (as EKS). */
export const BRANCH_DESCRIPTION = 'aws-k8s-branch-eni';

/** Tag: the VLAN id a branch is associated under (as EKS). */
export const VLAN_ID_TAG = 'vpcresources.k8s.aws/vlan-id';

/** Tag: the trunk interface a branch belongs to (as EKS). */
export const TRUNK_ENI_ID_TAG = 'vpcresources.k8s.aws/trunk-eni-id';

/** Tag: the UID of the pod a branch was created for (discovery and adoption only). */
export const POD_UID_TAG = 'podsg.io/pod-uid';

/** Tag: the node a trunk or branch belongs to. */
export const NODE_TAG = 'podsg.io/node';

/** The prefix of the cluster ownership tag `kubernetes.io/cluster/<cluster>`. */
export const CLUSTER_TAG_PREFIX = 'kubernetes.io/cluster/';

/** The value of the cluster ownership tag. */
export const CLUSTER_TAG_VALUE = 'owned';

/** The cluster ownership tag key for a cluster name. */
export function clusterTagKey(clusterName: string): string {
  return CLUSTER_TAG_PREFIX + clusterName;
}

/**
 * Node annotation: the node agent's confirmed releases, a JSON array (newest last) of
 * `ReleasedBranch`, read with `parseReleasedBranches`.
 */
export const RELEASED_BRANCHES_ANNOTATION = 'podsg.io/released-branches';

/** At most this many entries of `RELEASED_BRANCHES_ANNOTATION` are read (the newest). */
export const MAX_RELEASED_BRANCHES = 64;
