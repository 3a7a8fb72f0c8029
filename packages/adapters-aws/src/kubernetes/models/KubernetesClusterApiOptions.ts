import type { KubeConfig } from '@kubernetes/client-node';
import type { AllocatorError, BackoffPolicy, Clock } from '@podsg/allocator';
import type { KubernetesTransport } from './KubernetesTransport.js';

/** Constructor options of `KubernetesClusterApi`. */
export interface KubernetesClusterApiOptions {
  /** Where and as whom to connect (see `loadKubeConfig`). */
  kubeConfig: KubeConfig;
  /**
   * Node-agent scope: list and watch only the pods bound to this node (field selector
   * `spec.nodeName=<nodeName>`), and no other resource. Unset: the controller's cluster-wide
   * scope (pods, nodes, service accounts, SecurityGroupPolicies, CNINodes).
   */
  nodeName?: string;
  /**
   * The username the kubeconfig authenticates as (e.g.
   * `system:serviceaccount:kube-system:podsg-controller`), for callers that configure the
   * annotation webhook's allow list; the adapter sends nothing with it.
   */
  controllerUsername?: string;
  /** Which pod annotations to keep in memory; default: keys under `vpc.amazonaws.com/` and `podsg.io/`. */
  keepAnnotation?: (key: string) => boolean;
  /** `source.component` of recorded events; default `podsg-controller`. */
  eventComponent?: string;
  /** `reportingInstance` of recorded events (the pod's name); default none. */
  eventInstance?: string;
  /** Events waiting to be written at most; more are dropped and counted. Default 1,000. */
  maxQueuedEvents?: number;
  /** A non-watch request fails (`Transient`, code `Timeout`) after this long without a byte; default 30 s. */
  requestTimeoutMs?: number;
  /** Objects per list page; default 500. */
  pageSize?: number;
  /** Server-side watch timeout (each watch asks for between this and twice this); default 300 s. */
  watchTimeoutSeconds?: number;
  /** Backoff of watch restarts after errors; default 250 ms doubling to 30 s, jittered. */
  watchBackoff?: BackoffPolicy;
  /** Receives every error a watch recovered from (it keeps going); default none. */
  onWatchError?: (error: AllocatorError) => void;
  /** Time for backoffs; default `SystemClock`. */
  clock?: Clock;
  /** Numbers in [0, 1) for jitter; default `Math.random`. */
  random?: () => number;
  /** The wall clock for event and lease timestamps; default `Date.now`. */
  now?: () => number;
  /** The HTTP transport; default `KubernetesHttpClient` over `kubeConfig`. */
  transport?: KubernetesTransport;
}
