import { describe, expect, it } from 'vitest';
import { AllocatorError } from '@podsg/allocator';
import { VirtualClock } from './VirtualClock.js';

describe('VirtualClock', () => {
  it('starts at the given time and stands still until driven', async () => {
    const clock = new VirtualClock(1000);
    let woke = false;
    void clock.sleep(10).then(() => (woke = true));
    await clock.settle();
    expect(clock.now()).toBe(1000);
    expect(woke).toBe(false);
    expect(clock.pendingTimers).toBe(1);
  });

  it('advance fires due timers at their own instant and ends at the target', async () => {
    const clock = new VirtualClock();
    const seen: [string, number][] = [];
    void clock.sleep(30).then(() => seen.push(['b', clock.now()]));
    void clock.sleep(10).then(() => seen.push(['a', clock.now()]));
    void clock.sleep(100).then(() => seen.push(['c', clock.now()]));
    await clock.advance(50);
    expect(seen).toEqual([
      ['a', 10],
      ['b', 30],
    ]);
    expect(clock.now()).toBe(50);
    expect(clock.pendingTimers).toBe(1);
  });

  it('fires same-instant timers in the order they were scheduled', async () => {
    const clock = new VirtualClock();
    const order: number[] = [];
    for (let i = 0; i < 5; i++) void clock.sleep(7).then(() => order.push(i));
    await clock.advance(7);
    expect(order).toEqual([0, 1, 2, 3, 4]);
  });

  it('follows chains of sleeps scheduled by the work it wakes', async () => {
    const clock = new VirtualClock();
    const ticks: number[] = [];
    const loop = async (): Promise<void> => {
      for (let i = 0; i < 4; i++) {
        await clock.sleep(250);
        await Promise.resolve(); // more microtask hops between sleeps
        ticks.push(clock.now());
      }
    };
    void loop();
    expect(await clock.runUntilIdle()).toBe(true);
    expect(ticks).toEqual([250, 500, 750, 1000]);
  });

  it('runUntilIdle stops at maxMs when timers keep coming', async () => {
    const clock = new VirtualClock();
    const controller = new AbortController();
    const forever = async (): Promise<void> => {
      for (;;) await clock.sleep(1000, controller.signal);
    };
    const running = forever().catch((e: unknown) => e);
    expect(await clock.runUntilIdle({ maxMs: 10_000 })).toBe(false);
    expect(clock.now()).toBe(10_000);
    controller.abort();
    expect(AllocatorError.is(await running, 'Aborted')).toBe(true);
    expect(clock.pendingTimers).toBe(0);
  });

  it('aborting a sleep rejects with Aborted and releases its timer', async () => {
    const clock = new VirtualClock();
    const controller = new AbortController();
    const sleeping = clock.sleep(5000, controller.signal);
    expect(clock.pendingTimers).toBe(1);
    controller.abort(new Error('stop'));
    await expect(sleeping).rejects.toSatisfy((e) => AllocatorError.is(e, 'Aborted'));
    expect(clock.pendingTimers).toBe(0);
    await expect(clock.sleep(1, controller.signal)).rejects.toSatisfy((e) =>
      AllocatorError.is(e, 'Aborted'),
    );
  });

  it('schedule runs callbacks in virtual time and can be cancelled', async () => {
    const clock = new VirtualClock();
    const fired: number[] = [];
    clock.schedule(20, () => fired.push(clock.now()));
    const cancel = clock.schedule(10, () => fired.push(-1));
    cancel();
    await clock.runUntil(100);
    expect(fired).toEqual([20]);
    expect(clock.now()).toBe(100);
  });

  it('refuses to be driven from two places at once', async () => {
    const clock = new VirtualClock();
    void clock.sleep(10);
    const first = clock.runUntil(20);
    await expect(clock.runUntil(30)).rejects.toSatisfy((e) => AllocatorError.is(e, 'Invalid'));
    await first;
  });

  it('is deterministic: two identical runs interleave identically', async () => {
    const run = async (): Promise<string[]> => {
      const clock = new VirtualClock();
      const log: string[] = [];
      const worker = async (name: string, step: number): Promise<void> => {
        for (let i = 0; i < 5; i++) {
          await clock.sleep(step);
          log.push(`${name}@${clock.now()}`);
        }
      };
      void worker('x', 3);
      void worker('y', 2);
      void worker('z', 6);
      await clock.runUntilIdle();
      return log;
    };
    expect(await run()).toEqual(await run());
  });

  it('runs a hundred thousand timers through the heap', async () => {
    const clock = new VirtualClock();
    const firedAt: number[] = [];
    const delays = Array.from({ length: 100_000 }, (_, i) => (i * 7919) % 600_000);
    for (const delay of delays) clock.schedule(delay, () => firedAt.push(clock.now()));
    expect(await clock.runUntilIdle()).toBe(true);
    expect(firedAt).toEqual([...delays].sort((a, b) => a - b));
  });
});
