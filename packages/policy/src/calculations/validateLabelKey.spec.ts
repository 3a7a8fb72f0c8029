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

// The tables of apimachinery's own validation tests (util/validation/validation_test.go).
describe('Kubernetes validation tables', () => {
  it.each([
    'simple',
    'now-with-dashes',
    '1-starts-with-num',
    '1234',
    'simple/simple',
    'now-with-dashes/simple',
    'now-with-dashes/now-with-dashes',
    'now.with.dots/simple',
    'now-with.dashes-and.dots/simple',
    '1-num.2-num/3-num',
    '1234/5678',
    '1.2.3.4/5678',
    'Uppercase_Is_OK_123',
    'example.com/Uppercase_Is_OK_123',
    'requests.storage-foo',
    'a'.repeat(63),
    'a'.repeat(253) + '/' + 'b'.repeat(63),
  ])('accepts the qualified name %s', (key) => {
    expect(validateLabelKey(key)).toBeNull();
  });

  it.each([
    'nospecialchars%^=@',
    'cantendwithadash-',
    '-cantstartwithadash-',
    'only/one/slash',
    'Example.com/abc',
    'example_com/abc',
    'example.com/',
    '/simple',
    'a'.repeat(64),
    'a'.repeat(254) + '/abc',
    'a..b/c',
    'a./c',
    'é',
    'trailing\n',
  ])('refuses the qualified name %j', (key) => {
    expect(validateLabelKey(key)).not.toBeNull();
  });

  it.each([
    'simple',
    'now-with-dashes',
    '1-starts-with-num',
    'end-with-num-1',
    '1234',
    'a'.repeat(63),
    '',
    'prefix.with.dots',
  ])('accepts the label value %j', (value) => {
    expect(validateLabelValue(value)).toBeNull();
  });

  it.each([
    'nospecialchars%^=@',
    'Tama-nui-te-rā.is.Māori.sun',
    '\\backslashes\\are\\bad',
    '-starts-with-dash',
    'ends-with-dash-',
    '.starts.with.dot',
    'ends.with.dot.',
    'a'.repeat(64),
    'new\nline',
  ])('refuses the label value %j', (value) => {
    expect(validateLabelValue(value)).not.toBeNull();
  });

  it.each([
    'a',
    'ab',
    'abc',
    'a1',
    'a-1',
    'a--1--2--b',
    '0',
    '01',
    '012',
    '1a',
    '1-a',
    '1--a--b--2',
    'a'.repeat(63),
  ])('accepts the DNS-1123 label %j (namespaces), which is also a subdomain (names)', (value) => {
    expect(validateDnsLabel(value)).toBeNull();
    expect(validateDnsSubdomain(value)).toBeNull();
  });

  it.each([
    '',
    'A',
    'ABC',
    'aBc',
    'A1',
    'A-1',
    '1-A',
    '-',
    'a-',
    '-a',
    '1-',
    '-1',
    '_',
    'a_',
    '_a',
    'a_b',
    '1_',
    '_1',
    '1_2',
    '.',
    'a.',
    '.a',
    'a.b',
    '1.',
    '.1',
    '1.2',
    ' ',
    'a ',
    ' a',
    'a b',
    'a'.repeat(64),
  ])('refuses the DNS-1123 label %j', (value) => {
    expect(validateDnsLabel(value)).not.toBeNull();
  });

  it.each([
    'a.a',
    'ab.ab',
    'abc.abc',
    'a1.a1',
    'a-1.a-1',
    '0.0',
    '1-a.1-a',
    'a.b.c.d.e',
    'a'.repeat(253),
  ])('accepts the DNS-1123 subdomain %j', (value) => {
    expect(validateDnsSubdomain(value)).toBeNull();
  });

  it.each(['', 'A', 'a..b', 'a.-b', 'a-.b', '.a', 'a.', 'A.a', 'a_b.c', 'a b', 'a'.repeat(254)])(
    'refuses the DNS-1123 subdomain %j',
    (value) => {
      expect(validateDnsSubdomain(value)).not.toBeNull();
    },
  );
});
