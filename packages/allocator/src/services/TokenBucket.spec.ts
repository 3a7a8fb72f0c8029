import { describe, expect, it } from 'vitest';
import { AllocatorError } from '../errors/AllocatorError.js';
import { TokenBucket } from './TokenBucket.js';

describe('TokenBucket', () => {
  it('starts full, spends one token per call and refills at its rate', () => {
    const bucket = new TokenBucket({ capacity: 3, refillPerSecond: 2 }, 0);
    expect([bucket.tryTake(0), bucket.tryTake(0), bucket.tryTake(0), bucket.tryTake(0)]).toEqual([
      true,
      true,
      true,
      false,
    ]);
    expect(bucket.msUntil(0)).toBe(500);
    expect(bucket.tryTake(499)).toBe(false);
    expect(bucket.tryTake(500)).toBe(true);
  });

  it('never holds more than its capacity', () => {
    const bucket = new TokenBucket({ capacity: 2, refillPerSecond: 10 }, 0);
    expect(bucket.tokens(60_000)).toBe(2);
  });

  it('keeps a reserve when asked (background calls)', () => {
    const bucket = new TokenBucket({ capacity: 10, refillPerSecond: 1 }, 0);
    for (let i = 0; i < 6; i++) bucket.tryTake(0);
    expect(bucket.tryTake(0, 5)).toBe(false);
    expect(bucket.msUntil(0, 5)).toBe(1_000);
    expect(bucket.tryTake(1_000, 5)).toBe(true);
  });

  it('empties on drain so the client slows down after a server throttle', () => {
    const bucket = new TokenBucket({ capacity: 5, refillPerSecond: 5 }, 0);
    bucket.drain(0);
    expect(bucket.tryTake(0)).toBe(false);
    expect(bucket.msUntil(0)).toBe(200);
  });

  it('refuses a shape it cannot honour', () => {
    expect(() => new TokenBucket({ capacity: 0, refillPerSecond: 1 }, 0)).toThrow(AllocatorError);
    expect(() => new TokenBucket({ capacity: 1, refillPerSecond: -1 }, 0)).toThrow(
      /refillPerSecond/,
    );
  });

  it('never refills at rate 0', () => {
    const bucket = new TokenBucket({ capacity: 1, refillPerSecond: 0 }, 0);
    expect(bucket.tryTake(0)).toBe(true);
    expect(bucket.tryTake(3_600_000)).toBe(false);
    expect(bucket.msUntil(3_600_000)).toBe(Infinity);
  });
});
