import { describe, expect, it } from 'vitest';
import { CniError } from '../errors/CniError.js';
import { formatCniError } from './formatCniError.js';

describe('formatCniError', () => {
  it("answers a bug as libcni's internal error, 999, with its message", () => {
    expect(formatCniError('1.0.0', new TypeError('x is undefined'))).toEqual({
      cniVersion: '1.0.0',
      code: 999,
      msg: 'x is undefined',
      details: 'x is undefined',
    });
    expect(formatCniError('0.4.0', 'thrown text').code).toBe(999);
  });

  it("keeps a CniError's code, message and details", () => {
    const error = new CniError('TryAgainLater', 'no branch yet', { details: 'pod default/web' });
    expect(formatCniError('1.1.0', error)).toEqual({
      cniVersion: '1.1.0',
      code: 11,
      msg: 'no branch yet',
      details: 'pod default/web',
    });
  });
});
