import type { BranchEventDetail } from '../../models/BranchControllerEvents.js';
import type { ClusterPod } from '../../models/ClusterObjects.js';
import type { BranchRecord } from './BranchRecord.js';
import { NodeBranches } from './NodeBranches.js';
import { PodRecord } from './PodRecord.js';
import { Interner } from './Interner.js';

/**
 * What the controller knows of the cluster and EC2: its records of pods, branches and nodes,
 * and the interner that keeps them small. Memory only: `start()` rebuilds it.
 */
export class ControllerRecords {
  readonly interner = new Interner();
  /** Pods needing (or having) a branch, by UID. */
  readonly pods = new Map<string, PodRecord>();
  /** Branches with an interface id, by it. */
  readonly branches = new Map<string, BranchRecord>();
  /** Nodes by name. */
  readonly nodes = new Map<string, NodeBranches>();
  #seq = 0;

  /** The next number of the order in which pods were seen scheduled. */
  nextSeq(): number {
    return ++this.#seq;
  }

  /** The node's record, created (pending) when new. */
  nodeRecord(name: string): NodeBranches {
    let node = this.nodes.get(name);
    if (node === undefined) {
      node = new NodeBranches(name);
      this.nodes.set(name, node);
    }
    return node;
  }

  /** A new record of the pod, its strings and labels interned. */
  newPodRecord(pod: ClusterPod): PodRecord {
    return new PodRecord(
      pod.uid,
      this.interner.text(pod.namespace),
      pod.name,
      this.interner.labels(pod.labels),
      this.interner.text(pod.serviceAccountName),
    );
  }

  /** The detail of an event about a pod's branch. */
  detail(pod: PodRecord, branch: BranchRecord): BranchEventDetail {
    return {
      pod: { namespace: pod.namespace, name: pod.name, uid: pod.uid },
      node: branch.node.name,
      eniId: branch.eniId ?? '',
      vlanId: branch.vlanId,
      groupIds: this.interner.groupIds(branch.groupKey),
    };
  }
}
