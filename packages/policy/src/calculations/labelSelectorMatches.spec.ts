import { describe, expect, it } from 'vitest';
import type { LabelSelector } from '../models/LabelSelector.js';
import { labelSelectorMatches } from './labelSelectorMatches.js';

const web = { app: 'web', tier: 'front', empty: '' };

describe('labelSelectorMatches', () => {
  it('an absent selector matches nothing, {} matches everything', () => {
    expect(labelSelectorMatches(undefined, web)).toBe(false);
    expect(labelSelectorMatches(null, web)).toBe(false);
    expect(labelSelectorMatches(undefined, {})).toBe(false);
    expect(labelSelectorMatches({}, web)).toBe(true);
    expect(labelSelectorMatches({}, {})).toBe(true);
    expect(labelSelectorMatches({ matchLabels: {}, matchExpressions: [] }, {})).toBe(true);
  });

  it('treats null matchLabels / matchExpressions from raw JSON as absent', () => {
    const raw = { matchLabels: null, matchExpressions: null } as unknown as LabelSelector;
    expect(labelSelectorMatches(raw, web)).toBe(true);
  });

  it('matchLabels needs every pair, with exact values', () => {
    expect(labelSelectorMatches({ matchLabels: { app: 'web' } }, web)).toBe(true);
    expect(labelSelectorMatches({ matchLabels: { app: 'web', tier: 'front' } }, web)).toBe(true);
    expect(labelSelectorMatches({ matchLabels: { app: 'web', tier: 'back' } }, web)).toBe(false);
    expect(labelSelectorMatches({ matchLabels: { app: 'Web' } }, web)).toBe(false);
    expect(labelSelectorMatches({ matchLabels: { missing: '' } }, web)).toBe(false);
    expect(labelSelectorMatches({ matchLabels: { empty: '' } }, web)).toBe(true);
  });

  it.each([
    // [operator, values, labels, expected]
    ['In', ['web', 'api'], { app: 'web' }, true],
    ['In', ['api'], { app: 'web' }, false],
    ['In', ['web'], {}, false],
    ['In', [''], { app: '' }, true],
    ['In', [''], {}, false],
    ['NotIn', ['api'], { app: 'web' }, true],
    ['NotIn', ['web', 'api'], { app: 'web' }, false],
    ['NotIn', ['web'], {}, true],
    ['NotIn', [''], { app: '' }, false],
    ['Exists', [], { app: 'web' }, true],
    ['Exists', [], { app: '' }, true],
    ['Exists', [], { other: 'web' }, false],
    ['DoesNotExist', [], {}, true],
    ['DoesNotExist', [], { app: '' }, false],
  ] as const)('%s %j on %j is %s', (operator, values, labels, expected) => {
    const selector: LabelSelector = {
      matchExpressions: [{ key: 'app', operator, values: [...values] }],
    };
    expect(labelSelectorMatches(selector, labels)).toBe(expected);
  });

  it('ANDs matchLabels with matchExpressions and expressions with each other', () => {
    const selector: LabelSelector = {
      matchLabels: { app: 'web' },
      matchExpressions: [
        { key: 'tier', operator: 'In', values: ['front', 'edge'] },
        { key: 'canary', operator: 'DoesNotExist' },
      ],
    };
    expect(labelSelectorMatches(selector, web)).toBe(true);
    expect(labelSelectorMatches(selector, { ...web, canary: 'yes' })).toBe(false);
    expect(labelSelectorMatches(selector, { ...web, tier: 'back' })).toBe(false);
    expect(labelSelectorMatches(selector, { tier: 'front' })).toBe(false);
  });

  it('never matches with a term Kubernetes would refuse', () => {
    const unknown = {
      matchExpressions: [{ key: 'app', operator: 'Equals' }],
    } as unknown as LabelSelector;
    expect(labelSelectorMatches(unknown, web)).toBe(false);
    expect(
      labelSelectorMatches({ matchExpressions: [{ key: 'app', operator: 'NotIn' }] }, {}),
    ).toBe(false);
  });

  it('does not take inherited object properties for labels', () => {
    expect(
      labelSelectorMatches({ matchExpressions: [{ key: 'constructor', operator: 'Exists' }] }, {}),
    ).toBe(false);
    expect(
      labelSelectorMatches(
        { matchExpressions: [{ key: 'toString', operator: 'DoesNotExist' }] },
        {},
      ),
    ).toBe(true);
  });
});
