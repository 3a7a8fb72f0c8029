import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CniError } from '../errors/CniError.js';
import { parseCniEnvironment } from './parseCniEnvironment.js';

const valid: Record<string, string> = {
  CNI_COMMAND: 'ADD',
  CNI_CONTAINERID: 'c0ffee',
  CNI_NETNS: '/var/run/netns/cni-1',
  CNI_IFNAME: 'eth0',
  CNI_PATH: '/opt/cni/bin',
  CNI_ARGS: 'K8S_POD_NAMESPACE=shop;K8S_POD_NAME=web-1;K8S_POD_UID=u-1',
};

describe('parseCniEnvironment under arbitrary environments', () => {
  it('gives a CniError of kind InvalidEnvironment or an environment, within a second', () => {
    const text = fc.string({ unit: 'binary', maxLength: 200 });
    const variable = fc.constantFrom(...Object.keys(valid), 'CNI_OTHER');
    const mutated = fc
      .array(fc.tuple(variable, fc.option(text, { nil: undefined })), { maxLength: 4 })
      .map((changes) => {
        const env: Record<string, string | undefined> = { ...valid };
        for (const [name, value] of changes) env[name] = value;
        return env;
      });
    const arbitrary = fc.dictionary(fc.oneof(variable, text), text, { maxKeys: 8 });
    fc.assert(
      fc.property(fc.oneof(mutated, arbitrary), (env) => {
        const started = performance.now();
        try {
          const parsed = parseCniEnvironment(env);
          expect(['ADD', 'DEL', 'CHECK', 'VERSION', 'GC', 'STATUS']).toContain(parsed.command);
        } catch (error) {
          expect(CniError.is(error, 'InvalidEnvironment')).toBe(true);
        }
        expect(performance.now() - started).toBeLessThan(1_000);
      }),
      { numRuns: 1_000 },
    );
  });
});
