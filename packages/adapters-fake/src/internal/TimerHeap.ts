/** One scheduled wake-up: fires at `at`, ties broken by `seq` (scheduling order). */
export interface HeapTimer {
  at: number;
  seq: number;
  cancelled: boolean;
  fire: () => void;
}

/** A binary min-heap of timers ordered by (at, seq), so same-instant timers fire FIFO. */
export class TimerHeap {
  readonly #items: HeapTimer[] = [];

  get size(): number {
    return this.#items.length;
  }

  peek(): HeapTimer | undefined {
    return this.#items[0];
  }

  push(timer: HeapTimer): void {
    const items = this.#items;
    items.push(timer);
    let index = items.length - 1;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      const parentTimer = items[parent] as HeapTimer;
      if (!earlier(timer, parentTimer)) break;
      items[index] = parentTimer;
      index = parent;
    }
    items[index] = timer;
  }

  pop(): HeapTimer | undefined {
    const items = this.#items;
    const top = items[0];
    const last = items.pop();
    if (top === undefined || last === undefined || items.length === 0) return top;
    let index = 0;
    const length = items.length;
    for (;;) {
      const left = 2 * index + 1;
      if (left >= length) break;
      const right = left + 1;
      let child = left;
      if (right < length && earlier(items[right] as HeapTimer, items[left] as HeapTimer)) {
        child = right;
      }
      const childTimer = items[child] as HeapTimer;
      if (!earlier(childTimer, last)) break;
      items[index] = childTimer;
      index = child;
    }
    items[index] = last;
    return top;
  }
}

function earlier(a: HeapTimer, b: HeapTimer): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}
