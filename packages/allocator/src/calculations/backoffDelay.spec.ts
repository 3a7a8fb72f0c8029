import { describe, expect, it } from 'vitest';
import { backoffDelay } from './backoffDelay.js';

const policy = { baseMs: 100, maxMs: 1_000 };

describe('backoffDelay', () => {
  it('stays within [d/2, d) of the doubling nominal delay', () => {
    for (const [retry, nominal] of [
      [1, 100],
      [2, 200],
      [3, 400],
      [4, 800],
    ] as const) {
      expect(backoffDelay(retry, policy, () => 0)).toBe(nominal / 2);
      expect(backoffDelay(retry, policy, () => 0.999999)).toBeLessThan(nominal);
      expect(backoffDelay(retry, policy, () => 0.5)).toBe(nominal * 0.75);
    }
  });

  it('caps the nominal delay at maxMs, however many retries', () => {
    expect(backoffDelay(5, policy, () => 0.999999)).toBeLessThan(1_000);
    expect(backoffDelay(500, policy, () => 0.999999)).toBeLessThan(1_000);
    expect(backoffDelay(500, policy, () => 0)).toBe(500);
  });

  it('clamps a misbehaving random source', () => {
    expect(backoffDelay(1, policy, () => 7)).toBeLessThan(100);
    expect(backoffDelay(1, policy, () => -1)).toBe(50);
  });
});
