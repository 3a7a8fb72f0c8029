import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { CniError } from '../errors/CniError.js';
import { hostVethName } from './hostVethName.js';

const digest = (text: string): string => createHash('sha1').update(text).digest('hex');

describe('hostVethName', () => {
  it('is prefix + first 11 hex digits of sha1("<namespace>.<pod>"), vlan in strict mode', () => {
    const hash = digest('default.web-1').slice(0, 11);
    expect(hostVethName('strict', 'default', 'web-1', 'eni')).toBe(`vlan${hash}`);
    expect(hostVethName('standard', 'default', 'web-1', 'eni')).toBe(`eni${hash}`);
    expect(hostVethName('standard', 'default', 'web-1', 'ab12')).toBe(`ab12${hash}`);
  });

  it('never exceeds the kernel limit of 15 characters', () => {
    expect(hostVethName('strict', 'a-very-long-namespace', 'pod-'.repeat(60), 'eni')).toHaveLength(
      15,
    );
  });

  it('differs between pods and between namespaces', () => {
    const names = new Set(
      ['web-1', 'web-2', 'api-1'].flatMap((pod) =>
        ['default', 'prod'].map((ns) => hostVethName('strict', ns, pod, 'eni')),
      ),
    );
    expect(names.size).toBe(6);
  });

  it('refuses empty names and bad prefixes, naming the field', () => {
    expect(() => hostVethName('strict', '', 'p')).toThrow(/podNamespace/);
    expect(() => hostVethName('strict', 'ns', '')).toThrow(/podName/);
    for (const prefix of ['', 'toolong', 'A', 'e-n']) {
      let error: unknown;
      try {
        hostVethName('standard', 'ns', 'p', prefix);
      } catch (e) {
        error = e;
      }
      expect(CniError.is(error, 'InvalidPlanInput')).toBe(true);
      expect(String(error)).toMatch(/vethPrefix/);
    }
  });
});
