import { describe, expect, it } from 'vitest';
import { DeadlineQueue } from './DeadlineQueue.js';

describe('DeadlineQueue', () => {
  it('pops due items earliest first, FIFO among equal times', () => {
    const queue = new DeadlineQueue<string>();
    for (const [at, item] of [
      [30, 'c'],
      [10, 'a1'],
      [20, 'b'],
      [10, 'a2'],
    ] as const) {
      queue.push(at, item);
    }
    expect(queue.peekTime()).toBe(10);
    const popped: string[] = [];
    for (let item = queue.popDue(20); item !== undefined; item = queue.popDue(20))
      popped.push(item);
    expect(popped).toEqual(['a1', 'a2', 'b']);
    expect(queue.size).toBe(1);
    expect(queue.popDue(29)).toBeUndefined();
  });

  it('stays ordered over many random pushes', () => {
    const queue = new DeadlineQueue<number>();
    let seed = 1;
    for (let i = 0; i < 1_000; i++) {
      seed = (seed * 48271) % 2147483647;
      queue.push(seed % 10_000, seed % 10_000);
    }
    let last = -1;
    for (let item = queue.popDue(Infinity); item !== undefined; item = queue.popDue(Infinity)) {
      expect(item).toBeGreaterThanOrEqual(last);
      last = item;
    }
  });
});
