import { AllocatorError } from '@podsg/allocator';
import { describe, expect, it } from 'vitest';
import { SystemClock } from './SystemClock.js';

describe('SystemClock', () => {
  it('sleeps at least the time asked, on a clock that never goes back', async () => {
    const clock = new SystemClock();
    const before = clock.now();
    await clock.sleep(20);
    expect(clock.now() - before).toBeGreaterThanOrEqual(19);
  });

  it('rejects with Aborted when the signal aborts, also for an endless sleep', async () => {
    const clock = new SystemClock();
    const controller = new AbortController();
    const endless = clock.sleep(Infinity, controller.signal);
    const long = clock.sleep(60_000, controller.signal);
    controller.abort(new Error('stopping'));
    await expect(endless).rejects.toSatisfy((e) => AllocatorError.is(e, 'Aborted'));
    await expect(long).rejects.toSatisfy((e) => AllocatorError.is(e, 'Aborted'));
    await expect(clock.sleep(1, controller.signal)).rejects.toSatisfy((e) =>
      AllocatorError.is(e, 'Aborted'),
    );
  });

  it('refuses NaN', async () => {
    await expect(new SystemClock().sleep(Number.NaN)).rejects.toSatisfy((e) =>
      AllocatorError.is(e, 'Invalid'),
    );
  });
});
