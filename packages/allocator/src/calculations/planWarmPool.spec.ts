import { describe, expect, it } from 'vitest';
import { planWarmPool, predictWarmGroupSets } from './planWarmPool.js';
import type { WarmPoolState } from './planWarmPool.js';

function state(
  overrides: Partial<WarmPoolState>,
  held: Record<string, number> = {},
): WarmPoolState {
  return {
    size: 4,
    predicted: ['web'],
    held: (key) => held[key] ?? 0,
    creating: 0,
    freeSlots: 10,
    ...overrides,
  };
}

describe('planWarmPool', () => {
  it('fills one group set up to the size', () => {
    expect(planWarmPool(state({}, { web: 3 }))).toBe('web');
    expect(planWarmPool(state({}, { web: 4 }))).toBeNull();
  });

  it('counts the branches being created', () => {
    expect(planWarmPool(state({ creating: 1 }, { web: 3 }))).toBeNull();
  });

  it('shares the size among group sets, the most wanted getting the remainder', () => {
    const shared = { size: 5, predicted: ['web', 'db'] };
    expect(planWarmPool(state(shared, { web: 2, db: 2 }))).toBe('web');
    expect(planWarmPool(state(shared, { web: 3, db: 1 }))).toBe('db');
    expect(planWarmPool(state(shared, { web: 3, db: 2 }))).toBeNull();
    // A group set over its share (held after releases) does not make the pool grow.
    expect(planWarmPool(state(shared, { web: 6 }))).toBeNull();
  });

  it('keeps no more group sets than branches', () => {
    expect(planWarmPool(state({ size: 1, predicted: ['web', 'db'] }, { web: 1 }))).toBeNull();
  });

  it('creates nothing without a prediction, a size or a free slot', () => {
    expect(planWarmPool(state({ predicted: [] }))).toBeNull();
    expect(planWarmPool(state({ size: 0 }))).toBeNull();
    expect(planWarmPool(state({ freeSlots: 0 }))).toBeNull();
  });
});

describe('predictWarmGroupSets', () => {
  it('takes the node’s recent group sets, most recent first, forgetting old ones', () => {
    const node = new Map([
      ['web', 5_000],
      ['db', 9_000],
      ['old', 100],
    ]);
    expect(predictWarmGroupSets(node, new Map([['cache', 9_500]]), 1_000)).toEqual(['db', 'web']);
  });

  it('falls back to the cluster’s recent group sets for a node without any', () => {
    const cluster = new Map([
      ['web', 5_000],
      ['db', 4_000],
      ['old', 10],
    ]);
    expect(predictWarmGroupSets(new Map([['gone', 10]]), cluster, 1_000)).toEqual(['web', 'db']);
    expect(predictWarmGroupSets(new Map(), new Map(), 0)).toEqual([]);
  });
});
