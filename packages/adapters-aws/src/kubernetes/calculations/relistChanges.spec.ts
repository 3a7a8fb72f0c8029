import { describe, expect, it } from 'vitest';
import { relistChanges } from './relistChanges.js';
import type { CachedObject } from './relistChanges.js';

const cached = (
  uid: string,
  resourceVersion: string,
  value = `${uid}@${resourceVersion}`,
): CachedObject<string> => ({
  uid,
  resourceVersion,
  value,
});

describe('relistChanges', () => {
  it('deletes what is gone or replaced, then upserts what is new or changed, in list order', () => {
    const before = new Map([
      ['a', cached('u-a', '1')],
      ['b', cached('u-b', '2')],
      ['c', cached('u-c', '3')],
      ['d', cached('u-d', '4')],
    ]);
    const after = new Map([
      ['e', cached('u-e', '9')],
      ['b', cached('u-b', '2')],
      ['c', cached('u-c', '7')],
      ['d', cached('u-d2', '8')],
    ]);
    expect(relistChanges(before, after)).toEqual([
      { type: 'delete', value: 'u-a@1' },
      { type: 'delete', value: 'u-d@4' },
      { type: 'upsert', value: 'u-e@9' },
      { type: 'upsert', value: 'u-c@7' },
      { type: 'upsert', value: 'u-d2@8' },
    ]);
  });

  it('gives nothing when nothing changed', () => {
    const same = new Map([['a', cached('u-a', '1')]]);
    expect(relistChanges(same, new Map(same))).toEqual([]);
  });
});
