import { describe, expect, it } from 'vitest';
import { alignColumns } from './alignColumns.js';

describe('alignColumns', () => {
  it('pads every column but the last to its widest cell', () => {
    expect(
      alignColumns([
        ['a', 'bbb', 'x'],
        ['aaaa', 'b', 'yy'],
      ]),
    ).toEqual(['a     bbb  x', 'aaaa  b    yy']);
  });

  it('trims trailing spaces of short rows and empty last cells', () => {
    expect(alignColumns([['long-name', ''], ['x']])).toEqual(['long-name', 'x']);
  });
});
