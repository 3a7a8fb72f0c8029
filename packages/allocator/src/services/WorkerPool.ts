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
  readonly #queues: [Task[], Task[]] = [[], []];
  readonly #heads = [0, 0];
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
    return this.#queues[0].length - this.#heads[0]! + (this.#queues[1].length - this.#heads[1]!);
  }

  /** Queues a task. */
  submit(priority: TaskPriority, task: Task): void {
    this.#queues[priority === 'critical' ? 0 : 1].push(task);
    this.#drain();
  }

  /** Drops every queued task (running ones finish on their own). */
  clear(): void {
    this.#queues[0] = [];
    this.#queues[1] = [];
    this.#heads[0] = 0;
    this.#heads[1] = 0;
    this.#notifyIdle();
  }

  /** Resolves when nothing runs or waits. */
  whenIdle(): Promise<void> {
    if (this.#running === 0 && this.queued === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  #next(): Task | undefined {
    for (let rank = 0; rank < 2; rank++) {
      const queue = this.#queues[rank as 0 | 1];
      const head = this.#heads[rank]!;
      if (head < queue.length) {
        const task = queue[head];
        this.#heads[rank] = head + 1;
        if (head + 1 === queue.length) {
          this.#queues[rank as 0 | 1] = [];
          this.#heads[rank] = 0;
        }
        return task;
      }
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
