/** A reference to one SecurityGroupPolicy. */
export interface PolicyReference {
  namespace: string;
  name: string;
}

/** The security groups a pod gets, and the policies that gave them. */
export interface SecurityGroupResolution {
  /** The union of the groups of every matching policy, unique and sorted ascending. */
  groupIds: string[];
  /** The matching policies, sorted by name. Empty when no policy matches. */
  policies: PolicyReference[];
}
