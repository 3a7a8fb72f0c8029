import { describe, expect, it } from 'vitest';
import { AllocatorError } from '../errors/AllocatorError.js';
import type { Clock } from '../ports/Clock.js';
import { RequestLimiter } from './RequestLimiter.js';

/** A manual clock: sleeps end when the test advances time past them. */
class TestClock implements Clock {
  time = 0;
  readonly #timers: { at: number; resolve: () => void }[] = [];

  now(): number {
    return this.time;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = { at: this.time + ms, resolve };
      this.#timers.push(timer);
      signal?.addEventListener('abort', () => {
        this.#timers.splice(this.#timers.indexOf(timer), 1);
        reject(new AllocatorError('Aborted', 'aborted'));
      });
    });
  }

  async advance(ms: number): Promise<void> {
    const end = this.time + ms;
    for (;;) {
      await flush();
      this.#timers.sort((a, b) => a.at - b.at);
      const next = this.#timers[0];
      if (next === undefined || next.at > end) break;
      this.#timers.shift();
      this.time = next.at;
      next.resolve();
    }
    this.time = end;
    await flush();
  }
}

async function flush(): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve();
}

describe('RequestLimiter', () => {
  it('lets a burst through, then paces calls at the refill rate', async () => {
    const clock = new TestClock();
    const limiter = new RequestLimiter(
      clock,
      { perApi: { CreateNetworkInterface: { capacity: 2, refillPerSecond: 1 } } },
      new AbortController().signal,
    );
    const granted: number[] = [];
    for (let i = 0; i < 4; i++) {
      void limiter
        .acquire('CreateNetworkInterface', 'critical')
        .then(() => granted.push(clock.now()));
    }
    await clock.advance(5_000);
    expect(granted).toEqual([0, 0, 1_000, 2_000]);
  });

  it('keeps buckets per API apart, or shares one when asked', async () => {
    const clock = new TestClock();
    const perApi = new RequestLimiter(
      clock,
      { perApi: { CreateNetworkInterface: { capacity: 1, refillPerSecond: 1 } } },
      new AbortController().signal,
    );
    await perApi.acquire('CreateNetworkInterface', 'critical');
    let associated = false;
    void perApi.acquire('AssociateTrunkInterface', 'critical').then(() => (associated = true));
    await flush();
    expect(associated).toBe(true);
    const shared = new RequestLimiter(
      clock,
      { shared: { capacity: 1, refillPerSecond: 1 } },
      new AbortController().signal,
    );
    await shared.acquire('CreateNetworkInterface', 'critical');
    let sharedAssociated = false;
    void shared
      .acquire('AssociateTrunkInterface', 'critical')
      .then(() => (sharedAssociated = true));
    await flush();
    expect(sharedAssociated).toBe(false);
    await clock.advance(1_000);
    expect(sharedAssociated).toBe(true);
  });

  it('serves critical waiters before maintenance ones, FIFO within a priority', async () => {
    const clock = new TestClock();
    const limiter = new RequestLimiter(
      clock,
      { shared: { capacity: 1, refillPerSecond: 1 } },
      new AbortController().signal,
    );
    await limiter.acquire('DeleteNetworkInterface', 'maintenance');
    const order: string[] = [];
    void limiter.acquire('DeleteNetworkInterface', 'maintenance').then(() => order.push('m1'));
    void limiter.acquire('CreateNetworkInterface', 'critical').then(() => order.push('c1'));
    void limiter.acquire('CreateNetworkInterface', 'critical').then(() => order.push('c2'));
    await clock.advance(3_000);
    expect(order).toEqual(['c1', 'c2', 'm1']);
  });

  it('gives background calls only spare tokens: never one a pod-critical call could use', async () => {
    const clock = new TestClock();
    const limiter = new RequestLimiter(
      clock,
      { shared: { capacity: 4, refillPerSecond: 1 } },
      new AbortController().signal,
    );
    for (let i = 0; i < 3; i++) await limiter.acquire('CreateNetworkInterface', 'critical');
    let tagged = false;
    void limiter.acquire('CreateTags', 'background').then(() => (tagged = true));
    await flush();
    expect(tagged).toBe(false); // 1 token left, below the half-capacity reserve
    let created = false;
    void limiter.acquire('CreateNetworkInterface', 'critical').then(() => (created = true));
    await flush();
    expect(created).toBe(true); // the critical call took the token the tag could not
    await clock.advance(2_000);
    expect(tagged).toBe(true);
  });

  it('rejects waiters with Aborted when stopped', async () => {
    const clock = new TestClock();
    const stop = new AbortController();
    const limiter = new RequestLimiter(
      clock,
      { shared: { capacity: 1, refillPerSecond: 1 } },
      stop.signal,
    );
    await limiter.acquire('CreateNetworkInterface', 'critical');
    const waiting = limiter.acquire('CreateNetworkInterface', 'critical');
    stop.abort();
    await expect(waiting).rejects.toSatisfy((error) => AllocatorError.is(error, 'Aborted'));
    expect(limiter.waiting()).toBe(0);
  });
});
