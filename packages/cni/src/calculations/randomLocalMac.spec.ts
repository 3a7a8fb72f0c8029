import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { randomLocalMac } from './randomLocalMac.js';

describe('randomLocalMac', () => {
  it('is always locally administered unicast and keeps the other bits', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 6, maxLength: 6 }), (bytes) => {
        const mac = randomLocalMac(bytes);
        expect(mac).toMatch(/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/);
        const first = parseInt(mac.slice(0, 2), 16);
        expect(first & 0x01).toBe(0);
        expect(first & 0x02).toBe(2);
        expect(first & 0xfc).toBe((bytes[0] ?? 0) & 0xfc);
        expect(mac.slice(3)).toBe(
          Array.from(bytes.subarray(1), (b) => b.toString(16).padStart(2, '0')).join(':'),
        );
      }),
    );
    expect(randomLocalMac(new Uint8Array([0xff, 0, 0, 0, 0, 1]))).toBe('fe:00:00:00:00:01');
  });

  it('refuses fewer than six bytes', () => {
    expect(() => randomLocalMac(new Uint8Array(5))).toThrow(RangeError);
  });
});
