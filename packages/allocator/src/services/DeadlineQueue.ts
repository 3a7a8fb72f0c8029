interface Deadline<T> {
  readonly at: number;
  readonly seq: number;
  readonly item: T;
}

/**
 * A min-heap of deadlines (earliest first, FIFO among equal times). The controller keeps one for
 * all its cooldowns, recycles, requeues and sweeps and sleeps only until the earliest, so its
 * timers cost one heap entry each rather than a closure and a clock timer each.
 */
export class DeadlineQueue<T> {
  readonly #heap: Deadline<T>[] = [];
  #seq = 0;

  /** How many deadlines are queued. */
  get size(): number {
    return this.#heap.length;
  }

  /** Queues `item` for time `at`. */
  push(at: number, item: T): void {
    const heap = this.#heap;
    heap.push({ at, seq: this.#seq++, item });
    let index = heap.length - 1;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (!this.#before(index, parent)) break;
      this.#swap(index, parent);
      index = parent;
    }
  }

  /** The earliest deadline's time, or undefined when empty. */
  peekTime(): number | undefined {
    return this.#heap[0]?.at;
  }

  /** Removes and returns the earliest item when its time is ≤ `now`. */
  popDue(now: number): T | undefined {
    const heap = this.#heap;
    const top = heap[0];
    if (top === undefined || top.at > now) return undefined;
    const last = heap.pop();
    if (last !== undefined && heap.length > 0) {
      heap[0] = last;
      let index = 0;
      for (;;) {
        const left = index * 2 + 1;
        const right = left + 1;
        let smallest = index;
        if (left < heap.length && this.#before(left, smallest)) smallest = left;
        if (right < heap.length && this.#before(right, smallest)) smallest = right;
        if (smallest === index) break;
        this.#swap(index, smallest);
        index = smallest;
      }
    }
    return top.item;
  }

  /** Drops every deadline. */
  clear(): void {
    this.#heap.length = 0;
  }

  /** Whether the entry at index `i` is due before the one at `j`. */
  #before(i: number, j: number): boolean {
    const a = this.#heap[i];
    const b = this.#heap[j];
    if (a === undefined || b === undefined) return false;
    return a.at < b.at || (a.at === b.at && a.seq < b.seq);
  }

  #swap(i: number, j: number): void {
    const heap = this.#heap;
    const a = heap[i];
    const b = heap[j];
    if (a === undefined || b === undefined) return;
    heap[i] = b;
    heap[j] = a;
  }
}
