/** A CNI operation, from `CNI_COMMAND`. */
export type CniCommand = 'ADD' | 'DEL' | 'CHECK' | 'VERSION' | 'GC' | 'STATUS';

/**
 * The `CNI_ARGS` pairs (`K=V;K=V`). The Kubernetes runtimes pass the pod's identity this way.
 */
export interface CniArgs {
  /** `K8S_POD_NAMESPACE`. */
  podNamespace?: string;
  /** `K8S_POD_NAME`. */
  podName?: string;
  /** `K8S_POD_UID`; when given, ADD checks that the agent knows the same pod incarnation. */
  podUid?: string;
  /** `IgnoreUnknown=true|1`: unknown keys are accepted rather than refused. */
  ignoreUnknown: boolean;
  /** Every pair as given (later duplicates win), including the ones above. */
  pairs: Readonly<Record<string, string>>;
}

/**
 * The CNI environment of one invocation, validated for its command (CNI spec, "Parameters").
 * Fields a command does not need are absent when the runtime did not set them.
 */
export interface CniEnvironment {
  command: CniCommand;
  /** `CNI_CONTAINERID`; required by ADD, DEL and CHECK. */
  containerId?: string;
  /** `CNI_NETNS`, the pod's network namespace path; required by ADD and CHECK, optional for DEL. */
  netns?: string;
  /** `CNI_IFNAME`, the interface name inside the pod; required by ADD, DEL and CHECK. */
  ifName?: string;
  /** `CNI_ARGS`, parsed. */
  args: CniArgs;
  /** `CNI_PATH` split on `:`, empty entries dropped. */
  path: string[];
}
