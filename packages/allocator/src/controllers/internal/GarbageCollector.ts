import { NODE_TAG } from '../../models/wellKnownNames.js';
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
 * seen `available` in two sweeps in a row, and retries deletions that ran out of attempts.
 */
export class GarbageCollector {
  readonly #deps: GarbageCollectorParts;
  readonly #records: ControllerRecords;
  readonly #releaser: BranchReleaser;
  /** Interfaces seen `available` and unmanaged in the last sweep. */
  #availableLastSweep = new Set<string>();

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
    for (const eni of interfaces) {
      const id = eni.networkInterfaceId;
      if (this.#records.branches.has(id) || trunks.has(id)) continue;
      if (eni.status !== 'available') continue;
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
}
