import { decodePodEniAnnotation } from '../../calculations/podEniAnnotation.js';
import type { BranchState } from '../../models/BranchState.js';
import type { ClusterPod } from '../../models/ClusterObjects.js';
import type { NetworkInterface } from '../../models/NetworkInterface.js';
import {
  NODE_TAG,
  POD_ENI_ANNOTATION,
  POD_UID_TAG,
  TRUNK_ENI_ID_TAG,
} from '../../models/wellKnownNames.js';
import { BranchRecord } from './BranchRecord.js';
import type { BranchReleaser } from './BranchReleaser.js';
import type { ControllerParts } from './ControllerParts.js';
import { checkpoint } from './Ec2Caller.js';
import type { ControllerRecords } from './ControllerRecords.js';
import type { GroupReconciler } from './GroupReconciler.js';
import type { NodeBranches } from './NodeBranches.js';
import type { PodRecord } from './PodRecord.js';
import type { PodReconciler } from './PodReconciler.js';

/** The parts of the controller Recovery uses. */
type RecoveryParts = Pick<
  ControllerParts,
  'options' | 'clock' | 'signal' | 'ec2' | 'events' | 'schedule'
>;

/**
 * Rebuilding the records after a restart from EC2's interfaces and the pods' annotations.
 * Annotations decide ownership; tags only serve discovery. An associated branch no live pod
 * claims restarts a full cooldown; an unassociated one is deleted; a branch tagged for a live,
 * unannotated pod on the same node is adopted (associated if needed, then annotated).
 */
export class Recovery {
  readonly #deps: RecoveryParts;
  readonly #records: ControllerRecords;
  readonly #groups: GroupReconciler;
  readonly #reconciler: PodReconciler;
  readonly #releaser: BranchReleaser;

  constructor(
    deps: RecoveryParts,
    records: ControllerRecords,
    groups: GroupReconciler,
    reconciler: PodReconciler,
    releaser: BranchReleaser,
  ) {
    this.#deps = deps;
    this.#records = records;
    this.#groups = groups;
    this.#reconciler = reconciler;
    this.#releaser = releaser;
  }

  /**
   * Rebuilds every record from the live pods and this cluster's interfaces: annotated pods own
   * the interface their annotation names, tagged branches of unannotated pods are adopted,
   * the rest cool down or are deleted, and pods without a branch wait in their node's queue.
   */
  async rebuild(
    pods: readonly ClusterPod[],
    interfaces: readonly NetworkInterface[],
  ): Promise<void> {
    const byId = new Map<string, NetworkInterface>();
    for (const eni of interfaces) byId.set(eni.networkInterfaceId, eni);
    this.#rebuildTrunks(interfaces);
    const claimed = new Set<string>();
    /** Live, scheduled pods needing a branch and not (validly) annotated, by UID. */
    const unannotated = new Map<string, { pod: PodRecord; nodeName: string }>();
    // 1. Live pods with an annotation own the interface it names (annotation wins over tags).
    for (const clusterPod of pods) {
      if (clusterPod.phase === 'Succeeded' || clusterPod.phase === 'Failed') continue;
      const annotation = clusterPod.annotations[POD_ENI_ANNOTATION];
      if (!clusterPod.requestsPodEni && annotation === undefined) {
        this.#groups.warnIfUnrequested(clusterPod);
        continue;
      }
      if (clusterPod.hostNetwork) continue;
      const pod = this.#records.newPodRecord(clusterPod);
      this.#records.pods.set(pod.uid, pod);
      if (clusterPod.nodeName === null) continue;
      const attachment = annotation === undefined ? null : safeDecode(annotation);
      if (attachment === null || claimed.has(attachment.eniId)) {
        if (annotation !== undefined) {
          this.#deps.events.warn(
            `pod ${pod.namespace}/${pod.name} has an unusable ${POD_ENI_ANNOTATION} annotation`,
          );
        }
        unannotated.set(pod.uid, { pod, nodeName: clusterPod.nodeName });
        continue;
      }
      claimed.add(attachment.eniId);
      const node = this.#records.nodeRecord(clusterPod.nodeName);
      const eni = byId.get(attachment.eniId);
      const groupKey =
        eni === undefined
          ? this.#groups.resolve(pod, node).groupKey
          : this.#records.interner.groups(eni.groupIds);
      const branch = new BranchRecord(node, attachment.vlanId, groupKey, 'in-use');
      branch.eniId = attachment.eniId;
      branch.associationId = attachment.associationID;
      branch.macAddress = attachment.ifAddress;
      branch.privateIp = attachment.privateIp;
      branch.ipv6Address = attachment.ipv6Addr;
      branch.subnetCidr = this.#records.interner.text(attachment.subnetCidr);
      branch.subnetV6Cidr = this.#records.interner.text(attachment.subnetV6Cidr);
      branch.taggedUid = eni?.tags[POD_UID_TAG] ?? null;
      branch.pod = pod;
      // The list may lag behind (visibility delay): the annotation is trusted.
      if (node.ledger !== null && !node.ledger.adopt(branch)) {
        this.#deps.events.warn(
          `VLAN ${attachment.vlanId} of ${attachment.eniId} (pod ${pod.namespace}/${pod.name}) ` +
            `is out of range or taken twice on node ${node.name}`,
        );
      }
      if (node.subnetCidr === '') {
        node.subnetCidr = branch.subnetCidr;
        node.subnetV6Cidr = branch.subnetV6Cidr;
      }
      pod.node = node;
      pod.branch = branch;
      pod.moveTo('allocated');
      this.#records.branches.set(attachment.eniId, branch);
    }
    // 2. Branches no annotation names: adopt for their live pod, else cool down or delete.
    const associated: NetworkInterface[] = [];
    const adoptions: { pod: PodRecord; eni: NetworkInterface; node: NodeBranches }[] = [];
    for (const eni of interfaces) {
      if (eni.interfaceType !== 'branch' || claimed.has(eni.networkInterfaceId)) continue;
      const node = this.#records.nodes.get(eni.tags[NODE_TAG] ?? '');
      const candidate = this.#adoptionCandidate(unannotated, eni, node);
      if (candidate !== undefined && node !== undefined) {
        unannotated.delete(candidate.uid);
        adoptions.push({ pod: candidate, eni, node });
      } else if (eni.status === 'available' || node?.ledger == null) {
        this.#releaser.deleteUnknown(eni, node ?? null, 'orphan');
      } else {
        associated.push(eni);
      }
    }
    // 3. Learn the associations we need (one describe per trunk concerned).
    const trunkIds = new Set<string>();
    for (const eni of associated) trunkIds.add(this.#trunkOf(eni));
    for (const { eni } of adoptions)
      if (eni.status !== 'available') trunkIds.add(this.#trunkOf(eni));
    const associations = await this.#describeAssociations(trunkIds);
    // A branch moved to another node's trunk keeps the tags of the node it was created for:
    // when its tagged trunk does not have it, look on the other nodes' trunks.
    if (associated.some((eni) => !associations.has(eni.networkInterfaceId))) {
      const others = new Set<string>();
      for (const node of this.#records.nodes.values()) {
        if (node.trunkId !== null && !trunkIds.has(node.trunkId)) others.add(node.trunkId);
      }
      for (const [id, found] of await this.#describeAssociations(others)) {
        associations.set(id, found);
      }
    }
    const trunkOwners = new Map<string, NodeBranches>();
    for (const node of this.#records.nodes.values()) {
      if (node.trunkId !== null) trunkOwners.set(node.trunkId, node);
    }
    for (const eni of associated) {
      const association = associations.get(eni.networkInterfaceId);
      const node =
        trunkOwners.get(association?.trunkInterfaceId ?? '') ??
        this.#records.nodes.get(eni.tags[NODE_TAG] ?? '');
      if (node === undefined) continue;
      const branch =
        association === undefined
          ? null
          : this.#recordFromInterface(eni, node, association, 'cooling');
      if (branch === null) {
        this.#releaser.deleteUnknown(eni, node, 'orphan', association?.associationId);
        continue;
      }
      // Its pod may have died just before the restart: a full cooldown before reuse.
      branch.deadline = this.#deps.clock.now() + this.#deps.options.cooldownMs;
      this.#deps.schedule(branch.deadline, { kind: 'branch', branch });
    }
    // 4. Adoptions: associate when needed, then annotate, through the allocation path.
    for (const { pod, eni, node } of adoptions) {
      const association = associations.get(eni.networkInterfaceId);
      let branch =
        association === undefined
          ? null
          : this.#recordFromInterface(eni, node, association, 'creating');
      if (branch === null) {
        const vlanId = node.ledger?.reserve() ?? null;
        if (vlanId === null) {
          this.#releaser.deleteUnknown(eni, node, 'orphan', association?.associationId);
          unannotated.set(pod.uid, { pod, nodeName: node.name });
          continue;
        }
        branch = new BranchRecord(
          node,
          vlanId,
          this.#records.interner.groups(eni.groupIds),
          'creating',
        );
        branch.fillFrom(eni);
        this.#records.branches.set(eni.networkInterfaceId, branch);
      }
      branch.adopted = true;
      branch.pod = pod;
      pod.branch = branch;
      pod.node = node;
      pod.moveTo('allocating');
      this.#reconciler.queue.add(pod);
    }
    // 5. The rest wait for a new branch, in list order.
    for (const { pod, nodeName } of unannotated.values()) {
      this.#records.nodeRecord(nodeName).enqueue(pod, this.#records.nextSeq());
    }
  }

  /** Nodes' trunks from the list: attached to the node's instance, or spare (unattached). */
  #rebuildTrunks(interfaces: readonly NetworkInterface[]): void {
    for (const eni of interfaces) {
      if (eni.interfaceType !== 'trunk') continue;
      const node = this.#records.nodes.get(eni.tags[NODE_TAG] ?? '');
      if (node === undefined) continue;
      if (eni.attachment !== undefined && eni.attachment.instanceId === node.instanceId) {
        node.trunkId = eni.networkInterfaceId;
        node.primaryGroupIds = [...eni.groupIds].sort();
        node.subnetId = eni.subnetId;
        node.trunkSettled =
          eni.attachment.status === 'attached' && eni.attachment.deleteOnTermination;
      } else if (eni.attachment === undefined && eni.status === 'available') {
        node.spareTrunkId = eni.networkInterfaceId;
        node.primaryGroupIds = [...eni.groupIds].sort();
        node.subnetId = eni.subnetId;
      }
    }
  }

  /** The live unannotated pod a branch was created for, when it is on the branch's node. */
  #adoptionCandidate(
    unannotated: ReadonlyMap<string, { pod: PodRecord; nodeName: string }>,
    eni: NetworkInterface,
    node: NodeBranches | undefined,
  ): PodRecord | undefined {
    const uid = eni.tags[POD_UID_TAG];
    const entry = uid === undefined ? undefined : unannotated.get(uid);
    if (entry === undefined || node === undefined || node.ledger === null) return undefined;
    return entry.nodeName === node.name ? entry.pod : undefined;
  }

  #trunkOf(eni: NetworkInterface): string {
    return (
      eni.tags[TRUNK_ENI_ID_TAG] ?? this.#records.nodes.get(eni.tags[NODE_TAG] ?? '')?.trunkId ?? ''
    );
  }

  /** The associations of some trunks, by branch interface id; trunks that fail are skipped. */
  async #describeAssociations(
    trunkIds: ReadonlySet<string>,
  ): Promise<Map<string, { associationId: string; vlanId: number; trunkInterfaceId: string }>> {
    const byBranch = new Map<
      string,
      { associationId: string; vlanId: number; trunkInterfaceId: string }
    >();
    for (const trunkId of trunkIds) {
      if (trunkId === '') continue;
      try {
        const associations = await this.#deps.ec2.call(
          'DescribeTrunkInterfaceAssociations',
          'critical',
          () => this.#deps.ec2.api.describeTrunkInterfaceAssociations(trunkId),
        );
        for (const association of associations) {
          byBranch.set(association.branchInterfaceId, {
            associationId: association.associationId,
            vlanId: association.vlanId,
            trunkInterfaceId: association.trunkInterfaceId,
          });
        }
      } catch (error) {
        checkpoint(this.#deps.signal);
        this.#deps.events.warn(`could not describe the associations of trunk ${trunkId}`, error);
      }
    }
    return byBranch;
  }

  /** A branch record for an associated interface found at recovery, adopted into the ledger. */
  #recordFromInterface(
    eni: NetworkInterface,
    node: NodeBranches,
    association: { associationId: string; vlanId: number },
    state: BranchState,
  ): BranchRecord | null {
    const branch = new BranchRecord(
      node,
      association.vlanId,
      this.#records.interner.groups(eni.groupIds),
      state,
    );
    branch.fillFrom(eni);
    branch.associationId = association.associationId;
    if (node.ledger === null || !node.ledger.adopt(branch)) return null;
    this.#records.branches.set(eni.networkInterfaceId, branch);
    return branch;
  }
}

function safeDecode(annotation: string): ReturnType<typeof decodePodEniAnnotation>[number] | null {
  try {
    return decodePodEniAnnotation(annotation)[0] ?? null;
  } catch {
    return null;
  }
}
