import type { ClusterNode } from '@podsg/allocator';

/** A node as the fake cluster holds it. */
export interface FakeNodeState extends ClusterNode {
  /** `metadata.annotations` (set with `annotateNode`). */
  annotations: Record<string, string>;
  /** Extended resources advertised with `setNodeCapacity` (capacity = allocatable). */
  capacity: Record<string, number>;
  /** Non-terminated pods bound to the node. */
  podCount: number;
  /** Sum of `vpc.amazonaws.com/pod-eni` requests of those pods. */
  podEniInUse: number;
}
