// Two electors on one in-memory lease, on the real clock with short durations: one leads, the
// other takes over after a release at once, and a leader that cannot renew fences itself before
// the standby can acquire.
import { describe, expect, it } from 'vitest';
import { SystemClock } from '@podsg/adapters-aws';
import type { LeaseClient } from '../ports/LeaseClient.js';
import { InMemoryLeaseClient } from './InMemoryLeaseClient.js';
import { LeaderElector, type LeadershipEnd } from './LeaderElector.js';

const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };
const clock = new SystemClock();

/** A view of the shared store whose calls fail while `cut` is true (this replica's network). */
function partitionable(store: InMemoryLeaseClient): LeaseClient & { cut: boolean } {
  const view = {
    cut: false,
    getLease: (ns: string, name: string) => (view.cut ? unreachable() : store.getLease(ns, name)),
    createLease: (...args: Parameters<LeaseClient['createLease']>) =>
      view.cut ? unreachable() : store.createLease(...args),
    updateLease: (...args: Parameters<LeaseClient['updateLease']>) =>
      view.cut ? unreachable() : store.updateLease(...args),
  };
  return view;
}
const unreachable = (): Promise<never> => Promise.reject(new Error('connection refused'));

interface Candidate {
  elector: LeaderElector;
  ended: Promise<LeadershipEnd>;
  startedAt: number | null;
  fencedAt: number | null;
  lastRenewOk: () => number;
}

function candidate(identity: string, leases: LeaseClient): Candidate {
  const result: Candidate = {
    elector: undefined as unknown as LeaderElector,
    ended: Promise.resolve('stopped'),
    startedAt: null,
    fencedAt: null,
    lastRenewOk: () => 0,
  };
  result.elector = new LeaderElector({
    leases,
    namespace: 'podsg-system',
    name: 'podsg-controller',
    identity,
    leaseDurationMs: 1500,
    renewDeadlineMs: 1000,
    retryPeriodMs: 200,
    clock,
    log: silent,
    onStartedLeading: (signal) => {
      result.startedAt = clock.now();
      signal.addEventListener('abort', () => {
        result.fencedAt = clock.now();
      });
    },
    onStoppedLeading: () => undefined,
  });
  result.ended = result.elector.run();
  return result;
}

const until = async (condition: () => boolean, timeoutMs = 5000): Promise<void> => {
  const deadline = clock.now() + timeoutMs;
  while (!condition()) {
    if (clock.now() > deadline) throw new Error('condition not met in time');
    await clock.sleep(20);
  }
};

describe('LeaderElector on a shared lease', () => {
  it('elects exactly one leader; a released lease passes to the standby at once', async () => {
    const store = new InMemoryLeaseClient();
    const a = candidate('a', store);
    await until(() => a.elector.leading);
    const b = candidate('b', store);
    await clock.sleep(600);
    expect([a.elector.leading, b.elector.leading]).toEqual([true, false]);

    const stoppedAt = clock.now();
    a.elector.stop();
    expect(await a.ended).toBe('stopped');
    expect(a.fencedAt).not.toBeNull();
    await until(() => b.elector.leading);
    // Released (holder cleared): the standby need not wait for the 1.5 s lease to expire.
    expect(clock.now() - stoppedAt).toBeLessThan(1500);
    const lease = await store.getLease('podsg-system', 'podsg-controller');
    expect(lease).toMatchObject({ holderIdentity: 'b', leaseTransitions: 1 });
    b.elector.stop();
    await b.ended;
  });

  it('a leader cut off from the API server fences itself before the standby can take over', async () => {
    const store = new InMemoryLeaseClient();
    const viewA = partitionable(store);
    const a = candidate('a', viewA);
    await until(() => a.elector.leading);
    const b = candidate('b', store);
    await clock.sleep(400);
    const cutAt = clock.now();
    viewA.cut = true;

    expect(await a.ended).toBe('lost');
    await until(() => b.elector.leading);
    const fencedAt = a.fencedAt ?? Infinity;
    const takenAt = b.startedAt ?? -Infinity;
    // Fenced before its lease could expire (1.5 s after its last renewal, which was before the
    // cut; the renew deadline is 1 s, so there is room for a slow timer) …
    expect(fencedAt - cutAt).toBeLessThan(1500);
    // … and strictly before the standby led (it must wait the 1.5 s lease duration).
    expect(takenAt).toBeGreaterThan(fencedAt);
    expect(takenAt - cutAt).toBeGreaterThanOrEqual(1500 - 250);
    b.elector.stop();
    await b.ended;
  });

  it('refuses durations without a fencing margin', () => {
    expect(
      () =>
        new LeaderElector({
          leases: new InMemoryLeaseClient(),
          namespace: 'n',
          name: 'l',
          identity: 'x',
          leaseDurationMs: 10_000,
          renewDeadlineMs: 10_000,
          clock,
          log: silent,
          onStartedLeading: () => undefined,
          onStoppedLeading: () => undefined,
        }),
    ).toThrow(/leaseDuration must be longer than renewDeadline/);
  });
});
