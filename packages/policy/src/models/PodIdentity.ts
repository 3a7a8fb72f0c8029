/** What the policy index needs to know about a pod to resolve its security groups. */
export interface PodIdentity {
  /** The pod's namespace; only policies of this namespace apply. */
  namespace: string;
  /** The pod's name, for messages only (it is often absent at admission time). */
  name?: string;
  /** The pod's labels; absent means none. */
  labels?: Readonly<Record<string, string>>;
  /** The pod's service account; Kubernetes defaults it to `default`. */
  serviceAccountName?: string;
}
