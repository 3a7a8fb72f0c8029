import { describe, expect, it } from 'vitest';
import { MAX_RELEASED_BRANCHES, RELEASED_BRANCHES_ANNOTATION } from '../models/wellKnownNames.js';
import { parseReleasedBranches } from './releasedBranches.js';

const valid = {
  eniId: 'eni-0a1b2c3d4e5f60718',
  vlanId: 3,
  podUid: '6f1c2d3e-4b5a-4c6d-8e7f-901234567890',
  releasedAt: '2026-12-01T02:00:00.123Z',
};
const at = RELEASED_BRANCHES_ANNOTATION;

describe('parseReleasedBranches', () => {
  it('reads the agent annotation, ignoring extra keys', () => {
    const text = JSON.stringify([valid, { ...valid, vlanId: 4, note: 'extra' }]);
    expect(parseReleasedBranches(text)).toEqual({
      releasedBranches: [valid, { ...valid, vlanId: 4 }],
      warnings: [],
    });
  });

  it('gives nothing and no warning for an absent annotation', () => {
    expect(parseReleasedBranches(undefined)).toEqual({ releasedBranches: [], warnings: [] });
  });

  it.each([
    ['not JSON', '[{', `${at}: not JSON; ignored`],
    ['not an array', '{"eniId":"eni-0a1b2c3d"}', `${at}: not a JSON array; ignored`],
    ['too long', `[${' '.repeat(70_000)}]`, `${at}: 70002 characters, above 65536; ignored`],
  ])('ignores an annotation that is %s, with a warning', (_, text, warning) => {
    expect(parseReleasedBranches(text)).toEqual({ releasedBranches: [], warnings: [warning] });
  });

  it.each([
    ['an entry that is not an object', 7, '[0]: not an object'],
    [
      'a bad eniId',
      { ...valid, eniId: 'i-0123' },
      '[0].eniId: "i-0123" is not an interface id (eni-…)',
    ],
    [
      'a missing eniId',
      { ...valid, eniId: undefined },
      '[0].eniId: missing is not an interface id (eni-…)',
    ],
    [
      'a VLAN id of 0',
      { ...valid, vlanId: 0 },
      '[0].vlanId: 0 is not a whole number from 1 to 4094',
    ],
    [
      'a fractional VLAN id',
      { ...valid, vlanId: 2.5 },
      '[0].vlanId: 2.5 is not a whole number from 1 to 4094',
    ],
    [
      'a VLAN id as text',
      { ...valid, vlanId: '3' },
      '[0].vlanId: "3" is not a whole number from 1 to 4094',
    ],
    ['an empty podUid', { ...valid, podUid: '' }, '[0].podUid: "" is not a pod UID'],
    ['a podUid with spaces', { ...valid, podUid: 'a b' }, '[0].podUid: "a b" is not a pod UID'],
    [
      'a bad releasedAt',
      { ...valid, releasedAt: 'yesterday' },
      '[0].releasedAt: "yesterday" is not an RFC 3339 time',
    ],
  ])('leaves out %s with a warning naming the field, keeping the others', (_, bad, problem) => {
    const parsed = parseReleasedBranches(JSON.stringify([bad, valid]));
    expect(parsed).toEqual({
      releasedBranches: [valid],
      warnings: [`${at}${problem}; entry ignored`],
    });
  });

  it(`keeps the newest ${String(MAX_RELEASED_BRANCHES)} entries of a longer list`, () => {
    const entries = Array.from({ length: 70 }, (_, n) => ({ ...valid, vlanId: n + 1 }));
    const parsed = parseReleasedBranches(JSON.stringify(entries));
    expect(parsed.releasedBranches.map((entry) => entry.vlanId)).toEqual(
      entries.slice(6).map((entry) => entry.vlanId),
    );
    expect(parsed.warnings).toEqual([`${at}: 70 entries, above 64; the oldest 6 ignored`]);
  });

  it('never throws, whatever the text', () => {
    for (const text of ['null', '1', '"x"', '[null]', '[[]]', '[{"vlanId":1e400}]', '']) {
      expect(() => parseReleasedBranches(text)).not.toThrow();
      expect(parseReleasedBranches(text).releasedBranches).toEqual([]);
    }
  });
});
