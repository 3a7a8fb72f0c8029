import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { ScenarioError } from '../models/ScenarioError.js';
import { parseScenario } from './parseScenario.js';

const quickstartText = readFileSync(
  fileURLToPath(new URL('../../../../scenarios/quickstart.yaml', import.meta.url)),
  'utf8',
);
const quickstart = parse(quickstartText) as Record<string, unknown>;
const context = { isKnownInstanceType: (type: string) => /^(c5|m5)\./.test(type) };

/** A ScenarioError naming fields, or a scenario; never another error, and within a second. */
function namedErrorOrScenario(text: string): void {
  const started = performance.now();
  try {
    const scenario = parseScenario(text, context);
    expect(scenario.until).toBeGreaterThan(0);
  } catch (error) {
    expect(error).toBeInstanceOf(ScenarioError);
    expect((error as ScenarioError).issues.length).toBeGreaterThan(0);
  }
  expect(performance.now() - started).toBeLessThan(1_000);
}

/** Replaces the value at a random path of `root` (objects and arrays walked by index). */
function replaceAt(root: unknown, steps: readonly number[], value: unknown): unknown {
  if (steps.length === 0 || typeof root !== 'object' || root === null) return value;
  const [step = 0, ...rest] = steps;
  if (Array.isArray(root)) {
    if (root.length === 0) return value;
    const index = step % root.length;
    return (root as unknown[]).map((item, i) =>
      i === index ? replaceAt(item, rest, value) : item,
    );
  }
  const keys = Object.keys(root);
  if (keys.length === 0) return value;
  const key = keys[step % keys.length] ?? '';
  return { ...root, [key]: replaceAt((root as Record<string, unknown>)[key], rest, value) };
}

describe('parseScenario under arbitrary input', () => {
  it('gives a ScenarioError or a scenario for any text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (text) => {
        namedErrorOrScenario(text);
      }),
      { numRuns: 300 },
    );
  });

  it('gives a ScenarioError or a scenario for the quickstart with any value replaced', () => {
    const value = fc.oneof(
      fc.jsonValue({ maxDepth: 3 }),
      fc.constantFrom('-1s', '1e309s', '0x10', 'NaN', '', '25h', '86401s'),
    );
    fc.assert(
      fc.property(
        fc.array(fc.nat(), { minLength: 1, maxLength: 6 }),
        value,
        (steps, replacement) => {
          namedErrorOrScenario(stringify(replaceAt(quickstart, steps, replacement)));
        },
      ),
      { numRuns: 250 },
    );
  });
});
