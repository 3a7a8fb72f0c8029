import { describe, expect, it } from 'vitest';
import { lowestFreeVlanId } from './lowestFreeVlanId.js';
import { highestFreeDeviceIndex } from './highestFreeDeviceIndex.js';

describe('lowestFreeVlanId', () => {
  it('starts at 1 and fills holes first', () => {
    expect(lowestFreeVlanId(() => false, 10)).toBe(1);
    const used = new Set([1, 2, 4]);
    expect(lowestFreeVlanId((id) => used.has(id), 10)).toBe(3);
  });

  it('returns null when every id up to the maximum is used', () => {
    const used = new Set([1, 2, 3]);
    expect(lowestFreeVlanId((id) => used.has(id), 3)).toBeNull();
    expect(lowestFreeVlanId(() => false, 0)).toBeNull();
  });
});

describe('highestFreeDeviceIndex', () => {
  it('takes the highest index below the interface limit', () => {
    expect(highestFreeDeviceIndex([0], 8)).toBe(7);
    expect(highestFreeDeviceIndex([0, 7, 6], 8)).toBe(5);
  });

  it('never takes index 0 and returns null when full', () => {
    expect(highestFreeDeviceIndex([0, 1, 2], 3)).toBeNull();
    expect(highestFreeDeviceIndex([], 1)).toBeNull();
  });
});
