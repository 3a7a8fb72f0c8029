import type { NetworkInterface } from '../../models/NetworkInterface.js';
import { NODE_TAG, TRUNK_ENI_ID_TAG } from '../../models/wellKnownNames.js';
import { unbind } from './BranchRecord.js';
import type { BranchReleaser } from './BranchReleaser.js';
import type { ControllerParts } from './ControllerParts.js';
import type { ControllerRecords } from './ControllerRecords.js';

/** The parts of the controller GarbageCollector uses. */
type GarbageCollectorParts = Pick<
  ControllerParts,
  'options' | 'clock' | 'ec2' | 'events' | 'submit' | 'schedule'
>;

/**
 * The periodic sweep (every `gcIntervalMs`): cools down branches whose pod vanished without
 * a delete event, deletes this cluster's interfaces that no record explains once they were
 * seen `available` (or, for branches, associated with one of our trunks) in two sweeps in a
 * row, and retries deletions that ran out of attempts.
 */
export class GarbageCollector {
  readonly #deps: GarbageCollectorParts;
  readonly #records: ControllerRecords;
  readonly #releaser: BranchReleaser;
  /** Interfaces seen `available` and unmanaged in the last sweep. */
  #availableLastSweep = new Set<string>();
  /**
   * Branches seen associated and unmanaged in the last sweep: made by a controller stopped
   * half-way, too late for the recovery's list (EC2 lists a new interface only after a while).
   */
  #associatedLastSweep = new Set<string>();

  constructor(deps: GarbageCollectorParts, records: ControllerRecords, releaser: BranchReleaser) {
    this.#deps = deps;
    this.#records = records;
    this.#releaser = releaser;
  }

  /** Schedules the first sweep (none when `gcIntervalMs` is 0). */
  start(): void {
    if (this.#deps.options.gcIntervalMs > 0) {
      this.#deps.schedule(this.#deps.clock.now() + this.#deps.options.gcIntervalMs, { kind: 'gc' });
    }
  }

  /** The sweep's deadline: sweeps in the background, then schedules the next one. */
  onDeadline(): void {
    this.#deps.submit('maintenance', async () => {
      try {
        await this.#sweep();
      } finally {
        if (this.#deps.options.gcIntervalMs > 0) {
          this.#deps.schedule(this.#deps.clock.now() + this.#deps.options.gcIntervalMs, {
            kind: 'gc',
          });
        }
      }
    });
  }

  async #sweep(): Promise<void> {
    let deleted = 0;
    // Records whose pod vanished without a delete event (a missed watch event).
    for (const branch of [...this.#records.branches.values()]) {
      const pod = branch.pod;
      if (branch.state === 'in-use' && pod !== null && this.#records.pods.get(pod.uid) !== pod) {
        const detail = this.#records.detail(pod, branch);
        pod.moveTo('released');
        unbind(pod, branch);
        this.#releaser.coolDown(branch, detail);
      }
    }
    const interfaces = await this.#deps.ec2.call('DescribeNetworkInterfaces', 'maintenance', () =>
      this.#deps.ec2.api.listNetworkInterfaces(this.#deps.ec2.ownedFilter()),
    );
    const trunks = new Set<string>();
    for (const node of this.#records.nodes.values()) {
      if (node.trunkId !== null) trunks.add(node.trunkId);
      if (node.spareTrunkId !== null) trunks.add(node.spareTrunkId);
    }
    const available = new Set<string>();
    const associated: NetworkInterface[] = [];
    for (const eni of interfaces) {
      const id = eni.networkInterfaceId;
      if (this.#records.branches.has(id) || trunks.has(id)) continue;
      if (eni.status !== 'available') {
        if (eni.interfaceType === 'branch') associated.push(eni);
        continue;
      }
      if (
        eni.interfaceType === 'trunk' &&
        [...this.#records.nodes.values()].some((n) => n.status === 'preparing')
      ) {
        continue;
      }
      available.add(id);
      if (this.#availableLastSweep.has(id)) {
        deleted += 1;
        this.#releaser.deleteUnknown(
          eni,
          this.#records.nodes.get(eni.tags[NODE_TAG] ?? '') ?? null,
          'garbage',
        );
      }
    }
    deleted += await this.#sweepAssociated(associated, trunks);
    // Retry deletions that ran out of attempts.
    for (const branch of this.#records.branches.values()) {
      if (branch.state === 'deleting' && branch.deleteFailures > this.#deps.options.requeues) {
        branch.deleteFailures = 0;
        this.#deps.submit('maintenance', () =>
          this.#releaser.deleteBranch(branch, 'garbage', 'maintenance'),
        );
      }
    }
    this.#availableLastSweep = new Set(
      [...available].filter((id) => !this.#availableLastSweep.has(id)),
    );
    this.#deps.events.emit('swept', { deleted, adopted: 0 });
  }

  /**
   * Disassociates and deletes the unmanaged branches on our trunks seen in the last sweep too
   * (their tagged trunk is asked first); returns how many.
   */
  async #sweepAssociated(associated: NetworkInterface[], trunks: Set<string>): Promise<number> {
    const seen = this.#associatedLastSweep;
    this.#associatedLastSweep = new Set();
    let deleted = 0;
    for (const eni of associated) {
      const id = eni.networkInterfaceId;
      if (!seen.has(id)) {
        this.#associatedLastSweep.add(id);
        continue;
      }
      const tagged = eni.tags[TRUNK_ENI_ID_TAG] ?? '';
      const order = trunks.has(tagged) ? [tagged, ...trunks] : [...trunks];
      let associationId: string | null = null;
      for (const trunkId of new Set(order)) {
        associationId = await this.#associationOn(trunkId, id);
        if (associationId !== null) break;
      }
      // A record may have claimed it while the trunks were asked.
      if (this.#records.branches.has(id)) continue;
      if (associationId === null) {
        this.#associatedLastSweep.add(id);
        continue;
      }
      deleted += 1;
      const node = this.#records.nodes.get(eni.tags[NODE_TAG] ?? '') ?? null;
      this.#releaser.deleteUnknown(eni, node, 'garbage', associationId);
    }
    return deleted;
  }

  /** The association id of a branch on a trunk, or null (also when the trunk cannot be asked). */
  async #associationOn(trunkId: string, eniId: string): Promise<string | null> {
    try {
      const associations = await this.#deps.ec2.call(
        'DescribeTrunkInterfaceAssociations',
        'maintenance',
        () => this.#deps.ec2.api.describeTrunkInterfaceAssociations(trunkId),
      );
      return associations.find((a) => a.branchInterfaceId === eniId)?.associationId ?? null;
    } catch (error) {
      this.#deps.events.warn(`could not describe the associations of trunk ${trunkId}`, error);
      return null;
    }
  }
}
