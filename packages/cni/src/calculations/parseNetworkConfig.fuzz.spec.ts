import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CniError } from '../errors/CniError.js';
import { parseNetworkConfig } from './parseNetworkConfig.js';

/** A valid configuration, so mutations of it reach the deeper checks. */
const valid = {
  cniVersion: '1.0.0',
  name: 'podsg',
  type: 'podsg-cni',
  podSGEnforcingMode: 'strict',
  mtu: 9001,
  vethPrefix: 'eni',
  agentSocket: '/run/podsg/agent.sock',
  delegate: { type: 'ptp', ipam: { type: 'host-local', subnet: '10.22.0.0/16' } },
};
const keys = [
  ...Object.keys(valid),
  'prevResult',
  'runtimeConfig',
  'logFile',
  'cni.dev/valid-attachments',
];

/** Runs `parse`; the only acceptable failure is a CniError, within a second. */
function namedErrorOrResult(parse: () => unknown): void {
  const started = performance.now();
  try {
    parse();
  } catch (error) {
    expect(error).toBeInstanceOf(CniError);
    expect(typeof (error as CniError).code).toBe('number');
  }
  // Generous: catches a hang or catastrophic backtracking, not a slow machine.
  expect(performance.now() - started).toBeLessThan(1_000);
}

describe('parseNetworkConfig under arbitrary stdin', () => {
  it('gives a CniError or a configuration for any text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 400 }), (stdin) => {
        namedErrorOrResult(() => parseNetworkConfig(stdin));
      }),
      { numRuns: 500 },
    );
  });

  it('gives a CniError or a configuration for any JSON, and for the valid one with any field replaced', () => {
    const json = fc.jsonValue({ maxDepth: 4 });
    const mutated = fc
      .tuple(fc.constantFrom(...keys), json)
      .map(([key, value]) => ({ ...valid, [key]: value }));
    fc.assert(
      fc.property(
        fc.oneof(json, mutated),
        fc.constantFrom('ADD', 'DEL', 'CHECK', 'GC', 'STATUS'),
        (config, command) => {
          namedErrorOrResult(() => parseNetworkConfig(JSON.stringify(config), command));
        },
      ),
      { numRuns: 1_000 },
    );
  });

  it('survives deeply nested JSON', () => {
    const deep = '{"prevResult":'.repeat(5_000) + '1' + '}'.repeat(5_000);
    namedErrorOrResult(() => parseNetworkConfig(deep));
  });
});
