import { AllocatorError } from '@podsg/allocator';
import type { Clock } from '@podsg/allocator';
import type { LeaseRecord, LeaseSpec } from '../models/LeaseRecord.js';
import type { LeaseClient } from '../ports/LeaseClient.js';
import type { DaemonLog } from '../../daemon/ports/DaemonLog.js';
import { formatMicroTime } from '../calculations/formatMicroTime.js';

/** Why a leader stopped leading. */
export type LeadershipEnd =
  /** No renewal succeeded within the renew deadline: fenced before the lease could expire. */
  | 'lost'
  /** `stop()` was called (SIGTERM); the lease is released for the standby. */
  | 'stopped';

/** Options of `LeaderElector`. */
export interface LeaderElectorOptions {
  readonly leases: LeaseClient;
  /** Namespace and name of the `coordination.k8s.io/v1` Lease. */
  readonly namespace: string;
  readonly name: string;
  /** This candidate's identity (pod name + a random suffix, so a restart is a new candidate). */
  readonly identity: string;
  /** How long a lease holds after its last renewal, as others observe it; default 15 000. */
  readonly leaseDurationMs?: number;
  /** How long a leader keeps mutating without a successful renewal; default 10 000. */
  readonly renewDeadlineMs?: number;
  /** Pause between attempts to acquire or renew; default 2 000. */
  readonly retryPeriodMs?: number;
  /** Monotonic time for every deadline. */
  readonly clock: Clock;
  /** Wall time for the Lease's `acquireTime`/`renewTime` (only written, never trusted). */
  readonly wallTime?: () => Date;
  readonly log: DaemonLog;
  /**
   * Called when this candidate becomes leader. `signal` aborts the moment it must stop
   * mutating (fencing): before `onStoppedLeading`, synchronously with the decision.
   */
  readonly onStartedLeading: (signal: AbortSignal) => void;
  /** Called once leadership ends, after `signal` aborted. */
  readonly onStoppedLeading: (reason: LeadershipEnd) => void;
}

/**
 * Leader election on a `coordination.k8s.io/v1` Lease, as client-go's `leaderelection` does it:
 * a candidate takes the lease when it is free or when its holder has not renewed it for
 * `leaseDuration` as *this candidate observed* (local monotonic time, so clock skew between
 * nodes does not matter); the leader renews every `retryPeriod`, and writes use the
 * resourceVersion precondition, so two candidates never both succeed.
 *
 * Fencing: a leader whose last successful renewal is `renewDeadline` old aborts its signal at
 * once — even while a renewal call still hangs — so it stops mutating EC2 and the cluster at
 * least `leaseDuration − renewDeadline` (5 s by default) before any standby can take over.
 */
export class LeaderElector {
  readonly #options: LeaderElectorOptions;
  readonly #leaseDurationMs: number;
  readonly #renewDeadlineMs: number;
  readonly #retryPeriodMs: number;
  readonly #stop = new AbortController();
  #observed: LeaseRecord | null = null;
  #observedAt = 0;
  #leading = false;
  #fence: AbortController | null = null;

  /** @throws RangeError naming the option when the durations are not lease > renew > retry > 0 */
  constructor(options: LeaderElectorOptions) {
    this.#options = options;
    this.#leaseDurationMs = options.leaseDurationMs ?? 15_000;
    this.#renewDeadlineMs = options.renewDeadlineMs ?? 10_000;
    this.#retryPeriodMs = options.retryPeriodMs ?? 2_000;
    if (!(this.#retryPeriodMs > 0)) throw new RangeError('retryPeriod must be positive');
    if (!(this.#renewDeadlineMs > this.#retryPeriodMs)) {
      throw new RangeError('renewDeadline must be longer than retryPeriod');
    }
    if (!(this.#leaseDurationMs > this.#renewDeadlineMs)) {
      throw new RangeError('leaseDuration must be longer than renewDeadline');
    }
  }

  /** Whether this candidate currently leads (and has not been fenced). */
  get leading(): boolean {
    return this.#leading;
  }

  /**
   * Campaigns until this candidate leads, leads until it loses the lease or `stop()` is called,
   * and resolves with why leadership ended ('stopped' also when it never led). Never rejects.
   */
  async run(): Promise<LeadershipEnd> {
    const { clock, log } = this.#options;
    while (!this.#stopped() && !this.#leading) {
      if (await this.#attempt('acquire', Infinity)) break;
      await this.#pause(this.#retryPeriodMs * (1 + Math.random() * 0.2));
    }
    if (this.#stopped()) return 'stopped';
    let lastRenewal = clock.now();
    this.#fence = new AbortController();
    this.#leading = true;
    log.info({ lease: this.#leaseKey(), identity: this.#options.identity }, 'became leader');
    this.#options.onStartedLeading(this.#fence.signal);
    while (!this.#stopped()) {
      await this.#pause(this.#retryPeriodMs);
      if (this.#stopped()) break;
      const remaining = lastRenewal + this.#renewDeadlineMs - clock.now();
      if (remaining > 0 && (await this.#attempt('renew', remaining))) {
        lastRenewal = clock.now();
        continue;
      }
      const takenOver =
        this.#observed !== null && this.#observed.holderIdentity !== this.#options.identity;
      if (takenOver || clock.now() - lastRenewal >= this.#renewDeadlineMs) {
        log.error(
          { lease: this.#leaseKey(), renewDeadlineMs: this.#renewDeadlineMs },
          'could not renew the lease within the renew deadline: fencing (no more EC2 or cluster writes)',
        );
        this.#endLeadership('lost');
        return 'lost';
      }
    }
    this.#endLeadership('stopped');
    await this.#release();
    return 'stopped';
  }

  /**
   * Stops campaigning; a leader fences itself at once, then releases the lease (holder cleared,
   * duration 1 s) so a standby takes over without waiting for expiry. `run()` resolves after.
   */
  stop(): void {
    this.#stop.abort();
  }

  #stopped(): boolean {
    return this.#stop.signal.aborted;
  }

  #endLeadership(reason: LeadershipEnd): void {
    if (!this.#leading) return;
    this.#leading = false;
    this.#fence?.abort(new AllocatorError('Aborted', `leadership ${reason}`));
    this.#options.onStoppedLeading(reason);
  }

  async #pause(ms: number): Promise<void> {
    try {
      await this.#options.clock.sleep(ms, this.#stop.signal);
    } catch (error) {
      if (!AllocatorError.is(error, 'Aborted')) throw error;
    }
  }

  /** One try to acquire or renew, bounded by `withinMs`; true when this candidate holds the lease. */
  async #attempt(what: 'acquire' | 'renew', withinMs: number): Promise<boolean> {
    const attempt = this.#tryAcquireOrRenew();
    if (!Number.isFinite(withinMs))
      return attempt.catch((error: unknown) => this.#failed(what, error));
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => {
        resolve(false);
      }, withinMs);
    });
    try {
      return await Promise.race([
        attempt.catch((error: unknown) => this.#failed(what, error)),
        timeout,
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  #failed(what: 'acquire' | 'renew', error: unknown): false {
    if (!AllocatorError.is(error, 'Conflict') || what === 'renew') {
      this.#options.log.warn(
        { lease: this.#leaseKey(), err: error instanceof Error ? error.message : String(error) },
        `lease ${what} failed`,
      );
    }
    return false;
  }

  async #tryAcquireOrRenew(): Promise<boolean> {
    const { leases, namespace, name, identity, clock } = this.#options;
    const now = formatMicroTime((this.#options.wallTime ?? (() => new Date()))());
    const durationSeconds = Math.ceil(this.#leaseDurationMs / 1000);
    const current = await leases.getLease(namespace, name);
    if (current === null) {
      const created = await leases.createLease(namespace, name, {
        holderIdentity: identity,
        leaseDurationSeconds: durationSeconds,
        acquireTime: now,
        renewTime: now,
        leaseTransitions: 0,
      });
      this.#observe(created);
      return true;
    }
    if (current.resourceVersion !== this.#observed?.resourceVersion) this.#observe(current);
    const heldByOther =
      current.holderIdentity !== null &&
      current.holderIdentity !== '' &&
      current.holderIdentity !== identity;
    if (heldByOther && this.#observedAt + current.leaseDurationSeconds * 1000 > clock.now()) {
      return false;
    }
    const spec: LeaseSpec =
      current.holderIdentity === identity
        ? { ...withoutVersion(current), leaseDurationSeconds: durationSeconds, renewTime: now }
        : {
            holderIdentity: identity,
            leaseDurationSeconds: durationSeconds,
            acquireTime: now,
            renewTime: now,
            leaseTransitions: current.leaseTransitions + 1,
          };
    this.#observe(await leases.updateLease(namespace, name, spec, current.resourceVersion));
    return true;
  }

  #observe(record: LeaseRecord): void {
    this.#observed = record;
    this.#observedAt = this.#options.clock.now();
  }

  async #release(): Promise<void> {
    const { leases, namespace, name, identity, log } = this.#options;
    const observed = this.#observed;
    if (observed?.holderIdentity !== identity) return;
    const now = formatMicroTime((this.#options.wallTime ?? (() => new Date()))());
    try {
      await leases.updateLease(
        namespace,
        name,
        {
          ...withoutVersion(observed),
          holderIdentity: null,
          leaseDurationSeconds: 1,
          renewTime: now,
        },
        observed.resourceVersion,
      );
      log.info({ lease: this.#leaseKey() }, 'released the lease');
    } catch (error) {
      // The standby then waits for expiry; nothing else is at stake.
      log.warn(
        { lease: this.#leaseKey(), err: error instanceof Error ? error.message : String(error) },
        'could not release the lease; the standby takes over when it expires',
      );
    }
  }

  #leaseKey(): string {
    return `${this.#options.namespace}/${this.#options.name}`;
  }
}

function withoutVersion(record: LeaseRecord): LeaseSpec {
  const { resourceVersion: _ignored, ...spec } = record;
  return spec;
}
