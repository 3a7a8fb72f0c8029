import { describe, expect, it } from 'vitest';
import { RELEASE_WAIT_GRACE_MS, planBranchSource } from './planBranchSource.js';
import type { BranchSourceCandidate, BranchSourceRequest } from './planBranchSource.js';

function node(name: string, counts: Partial<BranchSourceCandidate> = {}): BranchSourceCandidate {
  return { node: name, held: 0, releasing: 0, inUse: 0, ...counts };
}

function request(overrides: Partial<BranchSourceRequest>): BranchSourceRequest {
  return {
    node: 'b',
    candidates: [node('b')],
    moves: true,
    now: 10_000,
    waitingSince: 10_000,
    releaseWaitMs: 0,
    releaseSeen: false,
    ...overrides,
  };
}

describe('planBranchSource', () => {
  it('moves a held branch from the node with the largest surplus', () => {
    expect(
      planBranchSource(
        request({ candidates: [node('a', { held: 1 }), node('b'), node('c', { held: 3 })] }),
      ),
    ).toEqual({ kind: 'move', from: 'c' });
  });

  it('keeps the first of equal surpluses (the caller lists nodes in a stable order)', () => {
    expect(
      planBranchSource(request({ candidates: [node('a', { held: 2 }), node('c', { held: 2 })] })),
    ).toEqual({ kind: 'move', from: 'a' });
  });

  it('never moves from the pod’s own node, nor when moves are off', () => {
    expect(planBranchSource(request({ candidates: [node('b', { held: 4 })] }))).toEqual({
      kind: 'create',
    });
    expect(
      planBranchSource(request({ moves: false, candidates: [node('a', { held: 4 }), node('b')] })),
    ).toEqual({ kind: 'create' });
  });

  it('creates at once when waiting is off, whatever is being released', () => {
    expect(
      planBranchSource(request({ candidates: [node('b', { releasing: 5, inUse: 5 })] })),
    ).toEqual({ kind: 'create' });
  });

  it('waits for a release under way, bounded by releaseWaitMs from when the pod started waiting', () => {
    const waiting = request({
      releaseWaitMs: 3_000,
      waitingSince: 9_000,
      candidates: [node('b', { releasing: 1 })],
    });
    expect(planBranchSource(waiting)).toEqual({
      kind: 'wait',
      until: 12_000,
      releaseUnderWay: true,
    });
    expect(planBranchSource({ ...waiting, now: 12_000 })).toEqual({ kind: 'create' });
  });

  it('keeps waiting between waves of releases once one was seen', () => {
    const between = request({
      releaseWaitMs: 9_000,
      waitingSince: 5_000,
      now: 8_000,
      candidates: [node('b', { inUse: 50 })],
    });
    expect(planBranchSource(between)).toEqual({ kind: 'create' });
    expect(planBranchSource({ ...between, releaseSeen: true })).toEqual({
      kind: 'wait',
      until: 14_000,
      releaseUnderWay: false,
    });
  });

  it('waits only the grace for branches merely in use (surge pods come before old ones go)', () => {
    const inUse = request({
      releaseWaitMs: 9_000,
      waitingSince: 10_000,
      candidates: [node('b', { inUse: 40 })],
    });
    expect(planBranchSource(inUse)).toEqual({
      kind: 'wait',
      until: 10_000 + RELEASE_WAIT_GRACE_MS,
      releaseUnderWay: false,
    });
    expect(planBranchSource({ ...inUse, now: 10_000 + RELEASE_WAIT_GRACE_MS })).toEqual({
      kind: 'create',
    });
    // Releases that started during the grace extend the wait to releaseWaitMs.
    expect(
      planBranchSource({
        ...inUse,
        now: 10_000 + RELEASE_WAIT_GRACE_MS,
        candidates: [node('b', { inUse: 30, releasing: 10 })],
      }),
    ).toEqual({ kind: 'wait', until: 19_000, releaseUnderWay: true });
    // A wait shorter than the grace bounds it.
    expect(planBranchSource({ ...inUse, releaseWaitMs: 400 })).toEqual({
      kind: 'wait',
      until: 10_400,
      releaseUnderWay: false,
    });
  });

  it('waits for another node’s releases only when a branch may move from there', () => {
    const remote = request({
      releaseWaitMs: 3_000,
      candidates: [node('a', { releasing: 2 }), node('b')],
    });
    expect(planBranchSource(remote)).toEqual({
      kind: 'wait',
      until: 13_000,
      releaseUnderWay: true,
    });
    expect(planBranchSource({ ...remote, moves: false })).toEqual({ kind: 'create' });
  });

  it('does not wait for a group set that has no branch anywhere (a first pod, a cold start)', () => {
    expect(
      planBranchSource(request({ releaseWaitMs: 3_000, candidates: [node('a'), node('b')] })),
    ).toEqual({ kind: 'create' });
  });
});
