import type { ClusterPod } from '@podsg/allocator';

/** A pod as the fake cluster holds it, with the times a simulator reports. */
export interface FakePodState extends ClusterPod {
  /** Clock time (ms) of creation. */
  createdAt: number;
  /** Clock time (ms) of binding to a node; null while pending. */
  scheduledAt: number | null;
  /** Clock time (ms) at which each annotation got its current value. */
  annotatedAt: Record<string, number>;
  /** Clock time (ms) of removal, for removed pods (`pods({ includeRemoved: true })`). */
  removedAt: number | null;
  /** `vpc.amazonaws.com/pod-eni` requested by all containers. */
  podEniRequest: number;
}
