import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { LabelSelector } from '../models/LabelSelector.js';
import { labelSelectorMatches, requirementMatches } from './labelSelectorMatches.js';

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

  it('ANDs duplicate keys across matchLabels and matchExpressions, as Kubernetes does', () => {
    const both = (expression: LabelSelector['matchExpressions']): LabelSelector => ({
      matchLabels: { app: 'web' },
      ...(expression !== undefined && { matchExpressions: expression }),
    });
    expect(labelSelectorMatches(both([{ key: 'app', operator: 'In', values: ['api'] }]), web)).toBe(
      false,
    );
    expect(
      labelSelectorMatches(both([{ key: 'app', operator: 'NotIn', values: ['web'] }]), web),
    ).toBe(false);
    expect(labelSelectorMatches(both([{ key: 'app', operator: 'Exists' }]), web)).toBe(true);
    expect(labelSelectorMatches(both([{ key: 'app', operator: 'DoesNotExist' }]), web)).toBe(false);
  });

  // LabelSelectorAsSelector refuses these, and EKS then matches nothing with the selector.
  it.each<[string, unknown]>([
    [
      'Exists with values',
      { matchExpressions: [{ key: 'app', operator: 'Exists', values: ['web'] }] },
    ],
    [
      'DoesNotExist with values',
      { matchExpressions: [{ key: 'x', operator: 'DoesNotExist', values: [''] }] },
    ],
    ['In without values', { matchExpressions: [{ key: 'app', operator: 'In' }] }],
    ['NotIn with []', { matchExpressions: [{ key: 'x', operator: 'NotIn', values: [] }] }],
    [
      'lower-case operator',
      { matchExpressions: [{ key: 'app', operator: 'in', values: ['web'] }] },
    ],
    [
      'Gt (not a LabelSelector operator)',
      { matchExpressions: [{ key: 'n', operator: 'Gt', values: ['1'] }] },
    ],
    ['a bad matchLabels key', { matchLabels: { app: 'web', 'a b': 'c' } }],
    ['a bad matchLabels value', { matchLabels: { app: 'web', tier: 'front end' } }],
    ['a bad expression key', { matchExpressions: [{ key: '-x', operator: 'DoesNotExist' }] }],
    [
      'a bad expression value',
      { matchExpressions: [{ key: 'app', operator: 'In', values: ['web', '-'] }] },
    ],
    ['a numeric matchLabels value', { matchLabels: { app: 1 } }],
    ['matchLabels as a string', { matchLabels: 'app=web' }],
    ['matchExpressions as an object', { matchExpressions: { key: 'x', operator: 'DoesNotExist' } }],
    ['matchExpressions as a number', { matchExpressions: 3 }],
    ['a null expression', { matchExpressions: [null] }],
    ['values as a string', { matchExpressions: [{ key: 'x', operator: 'NotIn', values: 'a' }] }],
    ['an array', []],
    ['a string', 'app=web'],
  ])('matches nothing, without throwing, for a selector with %s', (_case, selector) => {
    expect(labelSelectorMatches(selector as LabelSelector, web)).toBe(false);
    expect(labelSelectorMatches(selector as LabelSelector, {})).toBe(false);
  });

  it('requirementMatches holds for no term Kubernetes would refuse', () => {
    expect(requirementMatches({ key: 'app', operator: 'Exists', values: ['web'] }, 'web')).toBe(
      false,
    );
    expect(
      requirementMatches({ key: 'app', operator: 'DoesNotExist', values: ['x'] }, undefined),
    ).toBe(false);
    expect(requirementMatches({ key: 'app', operator: 'Exists', values: [] }, '')).toBe(true);
    expect(requirementMatches({ key: 'app', operator: 'In', values: [] }, undefined)).toBe(false);
  });

  it('never throws on arbitrary JSON, and agrees with a literal port of Kubernetes', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.dictionary(fc.string(), fc.string()), (selector, labels) => {
        expect(typeof labelSelectorMatches(selector as LabelSelector, labels)).toBe('boolean');
      }),
      { numRuns: 500 },
    );
    const key = fc.constantFrom('app', 'tier', 'x.io/team', 'constructor', 'Bad Key', '');
    const value = fc.constantFrom('web', 'api', '', 'bad value', '-');
    const operator = fc.constantFrom('In', 'NotIn', 'Exists', 'DoesNotExist', 'in', 'Equals');
    const selector = fc.record(
      {
        matchLabels: fc.dictionary(key, value, { maxKeys: 2 }),
        matchExpressions: fc.array(
          fc.record(
            { key, operator, values: fc.array(value, { maxLength: 2 }) },
            { requiredKeys: ['key', 'operator'] },
          ),
          { maxLength: 3 },
        ),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(
        fc.option(selector, { nil: null }),
        fc.dictionary(key, value, { maxKeys: 3 }),
        (raw, labels) => {
          expect(labelSelectorMatches(raw as LabelSelector | null, labels)).toBe(
            kubernetesMatches(raw, labels),
          );
        },
      ),
      { numRuns: 1000 },
    );
  });
});

interface RawSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

/**
 * A line-by-line port of apimachinery's LabelSelectorAsSelector + NewRequirement +
 * Requirement.Matches, with the label syntax written out independently of the code under test.
 */
function kubernetesMatches(selector: RawSelector | null, labels: Record<string, string>): boolean {
  if (selector === null) return false; // labels.Nothing()
  const name = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
  const subdomain = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
  const validKey = (k: string): boolean => {
    const parts = k.split('/');
    const last = parts[parts.length - 1] ?? '';
    if (parts.length > 2) return false;
    if (
      parts.length === 2 &&
      !(parts[0] !== '' && (parts[0] ?? '').length <= 253 && subdomain.test(parts[0] ?? ''))
    )
      return false;
    return last.length > 0 && last.length <= 63 && name.test(last);
  };
  const validValue = (v: string): boolean => v.length <= 63 && (v === '' || name.test(v));
  const requirements: { key: string; op: string; values: string[] }[] = [];
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) {
    requirements.push({ key: k, op: '=', values: [v] });
  }
  for (const e of selector.matchExpressions ?? []) {
    const op = { In: 'in', NotIn: 'notin', Exists: 'exists', DoesNotExist: '!' }[e.operator];
    if (op === undefined) return false; // "is not a valid label selector operator"
    requirements.push({ key: e.key, op, values: e.values ?? [] });
  }
  for (const r of requirements) {
    if (!validKey(r.key) || !r.values.every(validValue)) return false;
    if ((r.op === 'in' || r.op === 'notin') && r.values.length === 0) return false;
    if ((r.op === 'exists' || r.op === '!') && r.values.length !== 0) return false;
  }
  return requirements.every((r) => {
    const has = Object.hasOwn(labels, r.key);
    const v = labels[r.key] ?? '';
    switch (r.op) {
      case '=':
      case 'in':
        return has && r.values.includes(v);
      case 'notin':
        return !has || !r.values.includes(v);
      case 'exists':
        return has;
      default:
        return !has;
    }
  });
}
