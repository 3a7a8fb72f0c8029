/** How urgent a task is; a waiting critical task always starts before a maintenance one. */
export type TaskPriority = 'critical' | 'maintenance';

type Task = () => Promise<void>;

/**
 * A bounded pool of asynchronous tasks: at most `workers` run at once, critical before
 * maintenance, FIFO within a priority. Failures are handed to `onError`.
 */
export class WorkerPool {
  readonly #workers: number;
  readonly #onError: (error: unknown) => void;
  readonly #onTaskDone: () => void;
  /** Critical and maintenance FIFOs, each consumed from its head index. */
  #critical: Task[] = [];
  #criticalHead = 0;
  #maintenance: Task[] = [];
  #maintenanceHead = 0;
  #running = 0;
  #idleWaiters: (() => void)[] = [];

  /**
   * @param onError - receives what a task threw
   * @param onTaskDone - called after each task, once the pool's counts are up to date
   */
  constructor(workers: number, onError: (error: unknown) => void, onTaskDone: () => void = noop) {
    this.#workers = workers;
    this.#onError = onError;
    this.#onTaskDone = onTaskDone;
  }

  /** Tasks running now. */
  get running(): number {
    return this.#running;
  }

  /** Tasks queued and not started. */
  get queued(): number {
    return (
      this.#critical.length -
      this.#criticalHead +
      (this.#maintenance.length - this.#maintenanceHead)
    );
  }

  /** Queues a task. */
  submit(priority: TaskPriority, task: Task): void {
    if (priority === 'critical') this.#critical.push(task);
    else this.#maintenance.push(task);
    this.#drain();
  }

  /** Drops every queued task (running ones finish on their own). */
  clear(): void {
    this.#critical = [];
    this.#criticalHead = 0;
    this.#maintenance = [];
    this.#maintenanceHead = 0;
    this.#notifyIdle();
  }

  /** Resolves when nothing runs or waits. */
  whenIdle(): Promise<void> {
    if (this.#running === 0 && this.queued === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  #next(): Task | undefined {
    if (this.#criticalHead < this.#critical.length) {
      const task = this.#critical[this.#criticalHead++];
      if (this.#criticalHead === this.#critical.length) {
        this.#critical = [];
        this.#criticalHead = 0;
      }
      return task;
    }
    if (this.#maintenanceHead < this.#maintenance.length) {
      const task = this.#maintenance[this.#maintenanceHead++];
      if (this.#maintenanceHead === this.#maintenance.length) {
        this.#maintenance = [];
        this.#maintenanceHead = 0;
      }
      return task;
    }
    return undefined;
  }

  #drain(): void {
    while (this.#running < this.#workers) {
      const task = this.#next();
      if (task === undefined) break;
      this.#running += 1;
      task()
        .catch(this.#onError)
        .finally(() => {
          this.#running -= 1;
          this.#drain();
          this.#notifyIdle();
          this.#onTaskDone();
        });
    }
  }

  #notifyIdle(): void {
    if (this.#running === 0 && this.queued === 0 && this.#idleWaiters.length > 0) {
      const waiters = this.#idleWaiters;
      this.#idleWaiters = [];
      for (const resolve of waiters) resolve();
    }
  }
}

function noop(): void {
  // Nothing to do.
}
