import type { Clock } from '@podsg/allocator';

/** The `ClusterApi` methods faults can be injected into. */
export type ClusterApiMethod =
  'list' | 'annotatePod' | 'getPod' | 'setNodeCapacity' | 'recordEvent' | 'serviceAccountLabels';

/**
 * An injected failure: each call of `method` (every method with `'*'`) fails with probability
 * `rate` (seeded), before it takes effect, with an `AllocatorError` of `kind` (default
 * `Transient`; `Throttled` models the API server's 429, `Conflict` a 409 such as a write that
 * lost an optimistic-concurrency race).
 */
export interface ClusterFaultRule {
  method: ClusterApiMethod | '*';
  rate: number;
  kind?: 'Transient' | 'Throttled' | 'Unauthorized' | 'Conflict';
}

/** Constructor options of `FakeCluster`. */
export interface FakeClusterOptions {
  /** Time for event stamps, termination and scheduling delays. */
  clock: Clock;
  /** Seed for generated UIDs and `generateName` suffixes; default 1. */
  seed?: number;
  /**
   * The username the `ClusterApi` methods act as; default
   * `system:serviceaccount:kube-system:podsg-controller`.
   */
  controllerUsername?: string;
  /** Usernames the annotation webhook lets write `vpc.amazonaws.com/pod-eni`; default [controllerUsername]. */
  controllerUsernames?: readonly string[];
  /**
   * Run the podsg webhooks on pod and policy writes (default true). False models a webhook
   * that is not installed or failed open.
   */
  admission?: boolean;
  /** Bind pending pods to nodes (default true). */
  scheduler?: boolean;
  /** Delay between a pod becoming schedulable and its binding; default 0 (next microtask). */
  schedulingDelayMs?: number;
  /**
   * How long a deleted pod stays terminating before it is removed, at most its grace period;
   * default 1000 ms.
   */
  podTerminationMs?: number;
  /** Failures injected into the `ClusterApi` methods; default none. */
  faults?: readonly ClusterFaultRule[];
  /**
   * How many Event objects the object API keeps (the oldest are dropped first, as the API
   * server's event TTL would); default 10,000. `events()` keeps every event regardless.
   */
  eventObjectLimit?: number;
  /**
   * Epoch milliseconds of clock time 0, for the timestamps the cluster writes
   * (creationTimestamp, deletionTimestamp, events); default 0. With `SystemClock` (time since
   * the process started) pass `performance.timeOrigin` to get wall-clock timestamps.
   */
  timeOrigin?: number;
}
