import { AllocatorError } from '../../errors/AllocatorError.js';
import { POD_UID_TAG } from '../../models/wellKnownNames.js';
import type { BranchRecord } from './BranchRecord.js';
import type { ControllerParts } from './ControllerParts.js';

/** The parts of the controller RetagLane uses. */
type RetagLaneParts = Pick<ControllerParts, 'signal' | 'ec2' | 'events' | 'notifyIdle'>;

/**
 * The background lane that rewrites the `podsg.io/pod-uid` tag of a reused branch for its new
 * pod: one CreateTags at a time, only with spare tokens (`background` priority), so that it
 * never delays an allocation. A stale tag costs nothing but a less precise adoption after a
 * restart.
 */
export class RetagLane {
  readonly #deps: RetagLaneParts;
  /** Branches whose `podsg.io/pod-uid` tag is stale after a reuse. */
  readonly #stale = new Set<BranchRecord>();
  #tagging = false;

  constructor(deps: RetagLaneParts) {
    this.#deps = deps;
  }

  /** Whether a rewrite is queued or running. */
  get busy(): boolean {
    return this.#stale.size > 0 || this.#tagging;
  }

  /** Queues the branch's tag for a rewrite. */
  queue(branch: BranchRecord): void {
    this.#stale.add(branch);
    if (!this.#tagging) void this.#loop();
  }

  /** Drops a queued rewrite (the branch leaves `in-use`). */
  forget(branch: BranchRecord): void {
    this.#stale.delete(branch);
  }

  /** Drops every queued rewrite. */
  clear(): void {
    this.#stale.clear();
  }

  /** Rewrites stale pod-uid tags one at a time, only with spare CreateTags tokens. */
  async #loop(): Promise<void> {
    this.#tagging = true;
    try {
      while (this.#stale.size > 0 && !this.#deps.signal.aborted) {
        const branch = this.#stale.values().next().value as BranchRecord;
        this.#stale.delete(branch);
        const pod = branch.pod;
        const eniId = branch.eniId;
        if (branch.state !== 'in-use' || pod === null || eniId === null) continue;
        if (branch.taggedUid === pod.uid) continue;
        const uid = pod.uid;
        try {
          await this.#deps.ec2.call('CreateTags', 'background', () =>
            this.#deps.ec2.api.tagNetworkInterface(eniId, { [POD_UID_TAG]: uid }),
          );
          branch.taggedUid = uid;
        } catch (error) {
          if (AllocatorError.is(error, 'Aborted')) return;
          this.#deps.events.warn(`could not rewrite the pod-uid tag of ${eniId}`, error);
        }
      }
    } finally {
      this.#tagging = false;
      this.#deps.notifyIdle();
    }
  }
}
