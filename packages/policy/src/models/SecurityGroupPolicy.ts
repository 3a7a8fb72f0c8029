import type { LabelSelector } from './LabelSelector.js';

/** The API group and version of the SecurityGroupPolicy CRD, as EKS defines it. */
export const SECURITY_GROUP_POLICY_API_VERSION = 'vpcresources.k8s.aws/v1beta1';

/** The kind of the SecurityGroupPolicy CRD. */
export const SECURITY_GROUP_POLICY_KIND = 'SecurityGroupPolicy';

/** The metadata podsg keeps from a SecurityGroupPolicy; other fields are ignored when parsing. */
export interface SecurityGroupPolicyMetadata {
  /** The policy's name (a DNS subdomain, at most 253 characters). */
  readonly name: string;
  /** The namespace the policy lives in; it applies to pods of this namespace only. */
  readonly namespace: string;
  /** The policy object's own labels (not a selector). */
  readonly labels?: Readonly<Record<string, string>>;
  /** The policy object's annotations, kept for callers that display them. */
  readonly annotations?: Readonly<Record<string, string>>;
  /** The server-assigned uid, when the object came from a cluster. */
  readonly uid?: string;
  /** The server-assigned resource version, when the object came from a cluster. */
  readonly resourceVersion?: string;
}

/** The desired state of a SecurityGroupPolicy. */
export interface SecurityGroupPolicySpec {
  /** Tested against the pod's labels; absent means no constraint on them. */
  readonly podSelector?: LabelSelector;
  /** Tested against the labels of the pod's ServiceAccount; absent means no constraint. */
  readonly serviceAccountSelector?: LabelSelector;
  /** The EC2 security groups matching pods get. */
  readonly securityGroups: {
    /** Group ids (`sg-` and 8 or 17 lowercase hex digits); at least one. */
    readonly groupIds: readonly string[];
  };
}

/**
 * A validated `vpcresources.k8s.aws/v1beta1` SecurityGroupPolicy, as returned by
 * `parseSecurityGroupPolicy`. At least one of the two selectors is set.
 */
export interface SecurityGroupPolicy {
  readonly apiVersion: typeof SECURITY_GROUP_POLICY_API_VERSION;
  readonly kind: typeof SECURITY_GROUP_POLICY_KIND;
  readonly metadata: SecurityGroupPolicyMetadata;
  readonly spec: SecurityGroupPolicySpec;
}
