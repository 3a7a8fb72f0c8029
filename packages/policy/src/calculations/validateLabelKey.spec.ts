import { describe, expect, it } from 'vitest';
import { validateDnsLabel, validateDnsSubdomain } from './validateDnsName.js';
import { validateLabelKey } from './validateLabelKey.js';
import { validateLabelValue } from './validateLabelValue.js';

describe('validateLabelKey', () => {
  it.each([
    'app',
    'a',
    'app.kubernetes.io/name',
    'eks.amazonaws.com/fargate-profile',
    'A_b-c.D9',
    'example.com/' + 'n'.repeat(63),
    'a'.repeat(63),
    `${'p'.repeat(63)}.${'q'.repeat(63)}.${'r'.repeat(63)}.${'s'.repeat(61)}/x`,
  ])('accepts %s', (key) => {
    expect(validateLabelKey(key)).toBeNull();
  });

  it.each([
    ['', /name part must not be empty/],
    ['-app', /name part must consist/],
    ['app-', /name part must consist/],
    ['a b', /name part must consist/],
    ['a'.repeat(64), /no more than 63/],
    ['/app', /prefix part must not be empty/],
    ['example.com/', /name part must not be empty/],
    ['Example.com/app', /prefix part/],
    ['a/b/c', /at most one '\/'/],
    [`${'p'.repeat(254)}/x`, /prefix part must be no more than 253/],
    ['_app', /name part must consist/],
  ])('refuses %j', (key, message) => {
    expect(validateLabelKey(key)).toMatch(message);
  });
});

describe('validateLabelValue', () => {
  it.each(['', 'web', 'v1.2.3', 'A_b-c', 'x'.repeat(63)])('accepts %j', (value) => {
    expect(validateLabelValue(value)).toBeNull();
  });

  it.each([['-web'], ['web.'], ['a/b'], ['a b'], ['x'.repeat(64)]])('refuses %j', (value) => {
    expect(validateLabelValue(value)).toMatch(/value/);
  });
});

describe('DNS names', () => {
  it('checks namespaces as DNS labels and names as DNS subdomains', () => {
    expect(validateDnsLabel('kube-system')).toBeNull();
    expect(validateDnsLabel('a.b')).toMatch(/lower case alphanumeric/);
    expect(validateDnsLabel('n'.repeat(64))).toMatch(/63/);
    expect(validateDnsSubdomain('my.policy-1')).toBeNull();
    expect(validateDnsSubdomain('My')).toMatch(/lower case/);
    expect(validateDnsSubdomain('n'.repeat(254))).toMatch(/253/);
    expect(validateDnsSubdomain('')).toMatch(/empty/);
  });
});
