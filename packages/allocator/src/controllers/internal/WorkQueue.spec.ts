import { describe, expect, it } from 'vitest';
import { AllocatorError } from '../../errors/AllocatorError.js';
import { WorkerPool } from '../../services/WorkerPool.js';
import { WorkQueue, done, requeueAfter, terminal } from './WorkQueue.js';
import type { ReconcileResult, Reconciler } from './WorkQueue.js';

/** A queue over a real pool, with wakes kept in a list the test fires by hand. */
function harness(
  reconcile: (key: string, failures: number) => Promise<ReconcileResult>,
  retries = 2,
) {
  const pool = new WorkerPool(4, (error: unknown) => {
    throw error;
  });
  const wakes: { at: number; key: string }[] = [];
  const failed: { key: string; message: string; willRetry: boolean }[] = [];
  const reconciler: Reconciler<string> = {
    reconcile,
    failed: (key, error, willRetry) => failed.push({ key, message: error.message, willRetry }),
  };
  const queue = new WorkQueue<string>(reconciler, {
    submit: (priority, task) => {
      pool.submit(priority, task);
    },
    priority: 'critical',
    retries,
    backoff: (failures) => failures * 100,
    wakeAt: (at, key) => wakes.push({ at, key }),
    cancelWake: (key) => {
      const index = wakes.findIndex((wake) => wake.key === key);
      if (index >= 0) wakes.splice(index, 1);
      return index >= 0;
    },
    now: () => 1_000,
    signal: new AbortController().signal,
  });
  return { pool, queue, wakes, failed };
}

describe('WorkQueue', () => {
  it('runs a key added while queued once, and one added while running again after it', async () => {
    const runs: string[] = [];
    let release = (): void => undefined;
    const { pool, queue } = harness(async (key) => {
      runs.push(key);
      if (runs.length === 1) await new Promise<void>((resolve) => (release = resolve));
      return done;
    });
    queue.add('a');
    expect(queue.has('a')).toBe(true);
    queue.add('a');
    queue.add('a');
    await Promise.resolve();
    expect(runs).toEqual(['a']);
    release();
    await pool.whenIdle();
    await pool.whenIdle();
    expect(runs).toEqual(['a', 'a']);
    expect(queue.has('a')).toBe(false);
  });

  it('retries a failing key with backoff, passing its failures, then gives up', async () => {
    const seen: number[] = [];
    const { pool, queue, wakes, failed } = harness((_key, failures) => {
      seen.push(failures);
      return Promise.reject(new AllocatorError('Transient', `attempt ${failures + 1}`));
    });
    queue.add('pod');
    await pool.whenIdle();
    expect(wakes).toEqual([{ at: 1_100, key: 'pod' }]);
    wakes.length = 0;
    queue.add('pod');
    await pool.whenIdle();
    expect(wakes).toEqual([{ at: 1_200, key: 'pod' }]);
    wakes.length = 0;
    queue.add('pod');
    await pool.whenIdle();
    expect(wakes).toEqual([]);
    expect(seen).toEqual([0, 1, 2]);
    expect(failed).toEqual([
      { key: 'pod', message: 'attempt 1', willRetry: true },
      { key: 'pod', message: 'attempt 2', willRetry: true },
      { key: 'pod', message: 'attempt 3', willRetry: false },
    ]);
    // Given up: the next add starts from a clean count.
    queue.add('pod');
    await pool.whenIdle();
    expect(seen).toEqual([0, 1, 2, 0]);
  });

  it('requeues after the delay asked for without counting a failure, and cancels a wait', async () => {
    const seen: number[] = [];
    const { pool, queue, wakes } = harness((_key, failures) => {
      seen.push(failures);
      return Promise.resolve(
        seen.length === 1 ? requeueAfter(500) : terminal(new AllocatorError('Invalid', 'x')),
      );
    });
    queue.add('pod');
    await pool.whenIdle();
    expect(wakes).toEqual([{ at: 1_500, key: 'pod' }]);
    expect(queue.cancel('pod')).toBe(true);
    expect(queue.cancel('pod')).toBe(false);
    queue.add('pod');
    await pool.whenIdle();
    expect(seen).toEqual([0, 0]);
    expect(wakes).toEqual([]);
  });
});
