import type { ClusterEvent } from '@podsg/allocator';

/** A Kubernetes event as the fake cluster stored it. */
export interface FakeClusterEvent extends ClusterEvent {
  /** Clock time (ms) at which it was recorded. */
  at: number;
  /** Who reported it: `default-scheduler` for the fake's scheduler, else the `ClusterApi` user. */
  source: string;
}
