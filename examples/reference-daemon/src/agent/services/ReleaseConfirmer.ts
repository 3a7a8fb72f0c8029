import { vlanDeviceName } from '@podsg/cni';
import type { HostFacts } from '@podsg/cni';
import type { DaemonLog } from '../../daemon/ports/DaemonLog.js';
import { RELEASED_BRANCHES_ANNOTATION, type ReleasedBranch } from '@podsg/allocator';
import type { ReleaseConfirmationApi } from '../ports/ReleaseConfirmationApi.js';
import type { DepartingBranchPod } from './PodCache.js';

/** Options of `ReleaseConfirmer`. */
export interface ReleaseConfirmerOptions {
  readonly nodeName: string;
  /** Whether a host link exists (`NodeHostFacts`: `/sys/class/net/<name>`). */
  readonly links: Pick<HostFacts, 'hostLinkExists'>;
  readonly api: ReleaseConfirmationApi;
  readonly log: DaemonLog;
  /** How long a confirmation stays in the annotation; default 10 minutes (well past any cooldown). */
  readonly retentionMs?: number;
  /** At most this many confirmations in the annotation (newest kept); default 64. */
  readonly maxEntries?: number;
  /** A departed pod never seen wired is forgotten after this long (the cooldown applies); default 5 min. */
  readonly forgetAfterMs?: number;
  /** Monotonic milliseconds. */
  readonly now?: () => number;
  readonly wallTime?: () => Date;
}

interface Departure {
  readonly pod: DepartingBranchPod;
  readonly since: number;
  /** The VLAN device was seen present (or the agent answered the pod's ADD with its branch). */
  wired: boolean;
}

/**
 * The node agent's half of confirmed release. A branch pod that is going away is watched until
 * its VLAN device (`vlan.eth.<vlanId>`) is gone from the host — which only `podsg-cni` DEL does —
 * and then reported in the node's `podsg.io/released-branches` annotation. Only a pod known to
 * have been wired (its ADD was answered with the branch, or its device was seen) is confirmed:
 * absence alone could mean "not wired yet". The list is bounded (count and age) and published
 * with one merge patch per scan that found something; a failed write is retried next scan.
 */
export class ReleaseConfirmer {
  readonly #options: ReleaseConfirmerOptions;
  readonly #now: () => number;
  /** Pod UID → VLAN id of branches the agent handed to a CNI ADD. */
  readonly #wired = new Map<string, number>();
  readonly #departures = new Map<string, Departure>();
  #published: ReleasedBranch[] = [];
  #pending = false;
  #timer: NodeJS.Timeout | null = null;
  #scanning: Promise<void> | null = null;

  constructor(options: ReleaseConfirmerOptions) {
    this.#options = options;
    this.#now = options.now ?? (() => performance.now());
  }

  /** The confirmations currently published (or about to be), oldest first. */
  get confirmations(): readonly ReleasedBranch[] {
    return this.#published;
  }

  /** The agent answered a CNI ADD of pod `uid` with the branch of VLAN `vlanId`. */
  wired(uid: string, vlanId: number): void {
    this.#wired.set(uid, vlanId);
    const departure = this.#departures.get(uid);
    if (departure?.pod.vlanId === vlanId) departure.wired = true;
  }

  /** A branch pod of this node started terminating or was deleted. */
  depart(pod: DepartingBranchPod): void {
    if (this.#departures.has(pod.uid)) return;
    this.#departures.set(pod.uid, {
      pod,
      since: this.#now(),
      wired: this.#wired.get(pod.uid) === pod.vlanId,
    });
  }

  /** Scans every `intervalMs` until `stop()`. */
  start(intervalMs: number): void {
    if (this.#timer !== null) return;
    this.#timer = setInterval(() => {
      void this.scan();
    }, intervalMs);
  }

  /** Stops scanning; waits for a scan in progress. */
  async stop(): Promise<void> {
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
    await this.#scanning;
  }

  /** Checks every departed pod once and publishes new confirmations. Never rejects. */
  scan(): Promise<void> {
    this.#scanning ??= this.#scan().finally(() => {
      this.#scanning = null;
    });
    return this.#scanning;
  }

  async #scan(): Promise<void> {
    const { links, log, nodeName } = this.#options;
    const now = this.#now();
    for (const [uid, departure] of this.#departures) {
      const device = vlanDeviceName(departure.pod.vlanId);
      if (await links.hostLinkExists(device)) {
        departure.wired = true;
        continue;
      }
      if (!departure.wired) {
        if (now - departure.since > (this.#options.forgetAfterMs ?? 300_000)) {
          this.#departures.delete(uid);
          this.#wired.delete(uid);
        }
        continue;
      }
      this.#departures.delete(uid);
      this.#wired.delete(uid);
      this.#published.push({
        eniId: departure.pod.eniId,
        vlanId: departure.pod.vlanId,
        podUid: uid,
        releasedAt: (this.#options.wallTime ?? (() => new Date()))().toISOString(),
      });
      this.#pending = true;
      log.info(
        {
          pod: `${departure.pod.namespace}/${departure.pod.name}`,
          eniId: departure.pod.eniId,
          vlanId: departure.pod.vlanId,
        },
        'branch release confirmed: VLAN device removed',
      );
    }
    if (!this.#pending) return;
    this.#trim();
    try {
      await this.#options.api.annotateNode(nodeName, {
        [RELEASED_BRANCHES_ANNOTATION]: JSON.stringify(this.#published),
      });
      this.#pending = false;
    } catch (error) {
      log.warn(
        { err: error instanceof Error ? error.message : String(error) },
        'could not publish confirmed releases; retrying at the next scan',
      );
    }
  }

  #trim(): void {
    const wallNow = (this.#options.wallTime ?? (() => new Date()))().getTime();
    const retention = this.#options.retentionMs ?? 600_000;
    const kept = this.#published.filter(
      (entry) => wallNow - Date.parse(entry.releasedAt) <= retention,
    );
    this.#published = kept.slice(-(this.#options.maxEntries ?? 64));
  }
}
