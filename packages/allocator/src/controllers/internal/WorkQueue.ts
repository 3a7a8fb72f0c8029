import { AllocatorError } from '../../errors/AllocatorError.js';
import type { TaskPriority } from '../../services/WorkerPool.js';
import { asAllocatorError } from '../../errors/asAllocatorError.js';

/** What one reconcile of a key decided. */
export type ReconcileResult =
  | { readonly kind: 'done' }
  | { readonly kind: 'requeueAfter'; readonly ms: number }
  | { readonly kind: 'terminal'; readonly reason: AllocatorError };

/** Nothing left to do for the key (until something adds it again). */
export const done: ReconcileResult = { kind: 'done' };

/** Run the key again after `ms`, without counting a failure. */
export function requeueAfter(ms: number): ReconcileResult {
  return { kind: 'requeueAfter', ms };
}

/** Stop: the reconcile gave up and undid what it had to (no retry). */
export function terminal(reason: AllocatorError): ReconcileResult {
  return { kind: 'terminal', reason };
}

/** What a work queue runs for its keys. */
export interface Reconciler<K> {
  /**
   * Takes the key's object one step closer to what it should be. A thrown error is a failure
   * the queue retries with backoff.
   *
   * @param failures - failed attempts since the key last succeeded (0 on a first attempt)
   */
  reconcile(key: K, failures: number): Promise<ReconcileResult>;
  /** A failed attempt; `willRetry` is false when the queue gives up on the key. */
  failed(key: K, error: AllocatorError, willRetry: boolean): void;
}

/** Where a work queue runs its reconciles, and how it retries them. */
export interface WorkQueueSettings<K> {
  /** Runs a task (in the controller's worker pool). */
  readonly submit: (priority: TaskPriority, task: () => Promise<void>) => void;
  readonly priority: TaskPriority;
  /** Failed attempts retried before the queue gives up on a key. */
  readonly retries: number;
  /** The delay before the retry after `failures` failed attempts. */
  readonly backoff: (failures: number) => number;
  /** Calls `add(key)` at clock time `at`; a later wake of the same key overtakes it. */
  readonly wakeAt: (at: number, key: K) => void;
  /** Drops the key's pending wake; whether it had one. */
  readonly cancelWake: (key: K) => boolean;
  readonly now: () => number;
  readonly signal: AbortSignal;
}

/**
 * A work queue in the manner of controller-runtime's: a key added while queued is queued once,
 * a key added while it runs runs again after it when that run ends `done` (never the same key
 * twice at once), and a failed reconcile is retried with backoff, up to `retries` times. The
 * queue keeps the failure counts, so the records it serves carry no attempt counters.
 */
export class WorkQueue<K> {
  readonly #reconciler: Reconciler<K>;
  readonly #settings: WorkQueueSettings<K>;
  readonly #queued = new Set<K>();
  readonly #running = new Set<K>();
  /** Keys added while they ran: they run again once done. */
  readonly #dirty = new Set<K>();
  /** Failed attempts per key, while it keeps failing. */
  readonly #failures = new Map<K, number>();

  constructor(reconciler: Reconciler<K>, settings: WorkQueueSettings<K>) {
    this.#reconciler = reconciler;
    this.#settings = settings;
  }

  /** Runs the key's reconcile soon (once, however often it is added meanwhile). */
  add(key: K): void {
    if (this.#running.has(key)) {
      this.#dirty.add(key);
      return;
    }
    if (this.#queued.has(key)) return;
    this.#queued.add(key);
    this.#settings.submit(this.#settings.priority, () => this.#process(key));
  }

  /** Whether the key is queued or running. */
  has(key: K): boolean {
    return this.#queued.has(key) || this.#running.has(key);
  }

  /** Drops a key that waits for its retry; whether it was waiting (nothing runs for it then). */
  cancel(key: K): boolean {
    if (!this.#settings.cancelWake(key)) return false;
    this.#failures.delete(key);
    return true;
  }

  /** Forgets every key (after a stop). */
  clear(): void {
    this.#queued.clear();
    this.#dirty.clear();
    this.#failures.clear();
  }

  async #process(key: K): Promise<void> {
    this.#queued.delete(key);
    this.#running.add(key);
    let result: ReconcileResult;
    try {
      result = await this.#reconciler.reconcile(key, this.#failures.get(key) ?? 0);
    } catch (error) {
      this.#running.delete(key);
      this.#dirty.delete(key);
      if (this.#settings.signal.aborted || AllocatorError.is(error, 'Aborted')) return;
      const failures = (this.#failures.get(key) ?? 0) + 1;
      const willRetry = failures <= this.#settings.retries;
      if (willRetry) this.#failures.set(key, failures);
      else this.#failures.delete(key);
      this.#reconciler.failed(key, asAllocatorError(error), willRetry);
      if (willRetry) {
        this.#settings.wakeAt(this.#settings.now() + this.#settings.backoff(failures), key);
      }
      return;
    }
    this.#running.delete(key);
    const again = this.#dirty.delete(key);
    if (result.kind === 'requeueAfter') {
      this.#settings.wakeAt(this.#settings.now() + result.ms, key);
      return;
    }
    this.#failures.delete(key);
    if (again && result.kind === 'done') this.add(key);
  }
}
