import { backoffDelay } from '../../calculations/backoffDelay.js';
import type { ResolvedBranchControllerOptions } from '../../models/BranchControllerOptions.js';
import type { Clock } from '../../ports/Clock.js';
import type { ClusterApi } from '../../ports/ClusterApi.js';
import type { TaskPriority } from '../../services/WorkerPool.js';
import type { BranchRecord } from './BranchRecord.js';
import type { ControllerEvents } from './ControllerEvents.js';
import type { ControllerDeadline } from './ControllerTimer.js';
import type { Ec2Caller } from './Ec2Caller.js';
import type { NodeBranches } from './NodeBranches.js';
import type { PodRecord } from './PodRecord.js';
import type { WorkQueueSettings } from './WorkQueue.js';

/**
 * What `BranchController` hands its parts, all read-only: the options, the clock and the stop
 * signal, the two things that are shared (the EC2 caller and the events), the cluster port,
 * and its worker pool and timer as functions. Each part takes the members it uses
 * (`Pick<ControllerParts, …>`); the state that changes has one owner each (records in
 * `ControllerRecords` and `NodeBranches`, pods' attempts in their `WorkQueue`, outcome counters
 * in `ControllerEvents`, the pool, the timer and `rebuilding` in `BranchController`).
 */
export interface ControllerParts {
  readonly options: ResolvedBranchControllerOptions;
  readonly clock: Clock;
  /** Aborted by `stop()`; every wait of every task listens on it. */
  readonly signal: AbortSignal;
  readonly cluster: ClusterApi;
  /** Every EC2 call: limited, retried, counted. */
  readonly ec2: Ec2Caller;
  readonly events: ControllerEvents;
  /** Queues a task in the worker pool (nothing after `stop()`). */
  readonly submit: (priority: TaskPriority, task: () => Promise<void>) => void;
  /** Adds a deadline (overtaking the record's pending one). */
  readonly schedule: (at: number, deadline: ControllerDeadline) => void;
  /** Drops the record's pending deadline; whether it had one. */
  readonly cancel: (record: BranchRecord | PodRecord | NodeBranches) => boolean;
  /** Whether `start()` is rebuilding the records (nodes are neither prepared nor served). */
  readonly rebuilding: () => boolean;
  /** Tells `whenIdle()` callers that background work (a tag rewrite) ended. */
  readonly notifyIdle: () => void;
}

/** The delay before the `requeue`-th retry of a failed allocation, preparation or delete. */
export function requeueDelay(options: ResolvedBranchControllerOptions, requeue: number): number {
  return backoffDelay(requeue, options.requeueBackoff, options.random);
}

/**
 * A work queue of the controller's records on its worker pool (critical tasks) and timer (a
 * retry is the record's deadline, `deadline(key)`).
 *
 * @param retries - failed attempts retried before the queue gives up on a key
 * @param backoff - the delay before the retry after `failures` failed attempts
 */
export function recordQueueSettings<K extends PodRecord | NodeBranches>(
  parts: Pick<ControllerParts, 'submit' | 'schedule' | 'cancel' | 'clock' | 'signal'>,
  retries: number,
  backoff: (failures: number) => number,
  deadline: (key: K) => ControllerDeadline,
): WorkQueueSettings<K> {
  return {
    submit: parts.submit,
    priority: 'critical',
    retries,
    backoff,
    wakeAt: (at, key) => {
      parts.schedule(at, deadline(key));
    },
    cancelWake: parts.cancel,
    now: () => parts.clock.now(),
    signal: parts.signal,
  };
}
