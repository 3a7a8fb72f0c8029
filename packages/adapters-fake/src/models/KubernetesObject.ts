/** A Kubernetes object as JSON (a Pod manifest, a SecurityGroupPolicy …). */
export type KubernetesObject = Record<string, unknown>;
