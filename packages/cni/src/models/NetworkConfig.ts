/** The CNI spec versions podsg-cni speaks, oldest first. */
export const SUPPORTED_CNI_VERSIONS = ['0.3.0', '0.3.1', '0.4.0', '1.0.0', '1.1.0'] as const;

/** A CNI spec version podsg-cni speaks. */
export type CniVersion = (typeof SUPPORTED_CNI_VERSIONS)[number];

/**
 * How pod traffic is routed (the `podSGEnforcingMode` of the network configuration):
 * `strict` sends all of a pod's traffic through its branch interface, so its security groups
 * apply to everything; `standard` keeps traffic between the pod and its node (kubelet probes,
 * NodePort) on the host path.
 */
export type EnforcingMode = 'strict' | 'standard';

/** One live attachment named by a GC request (`cni.dev/valid-attachments`). */
export interface CniAttachmentRef {
  containerID: string;
  ifname: string;
}

/**
 * The delegate plugin's configuration: an object with at least a plugin `type`; every other key
 * is passed to the delegate untouched.
 */
export interface DelegateConfig {
  type: string;
  readonly [key: string]: unknown;
}

/** podsg-cni's network configuration (stdin), validated and with defaults filled in. */
export interface NetworkConfig {
  cniVersion: CniVersion;
  name: string;
  type: string;
  /** Default `strict`. */
  podSGEnforcingMode: EnforcingMode;
  /** MTU of the pod's veth, 576..9001; default 9001. */
  mtu: number;
  /** Host veth prefix in standard mode: 1..4 characters of `[a-z0-9]`; default `eni`. */
  vethPrefix: string;
  /** Unix socket of the node agent; default `/run/podsg/agent.sock`. */
  agentSocket: string;
  /** The plugin that wires pods that need no branch interface. */
  delegate?: DelegateConfig;
  /** File the plugin logs to; it never logs to stdout. */
  logFile?: string;
  /** The previous result (DEL, CHECK, chained ADD), as the runtime sent it. */
  prevResult?: Readonly<Record<string, unknown>>;
  /** Capabilities-based runtime configuration, untouched. */
  runtimeConfig?: Readonly<Record<string, unknown>>;
  /** GC only: the attachments that are still in use. */
  validAttachments?: CniAttachmentRef[];
  /** Conventional `args` object, untouched. */
  args?: Readonly<Record<string, unknown>>;
}
