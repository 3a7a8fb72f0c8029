import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { instanceLimits } from '@podsg/allocator';
import { describe, expect, it } from 'vitest';
import { parseScenario } from '../calculations/parseScenario.js';
import { Simulation, type SimulationProgress } from './Simulation.js';

const quickstart = readFileSync(
  fileURLToPath(new URL('../../../../scenarios/quickstart.yaml', import.meta.url)),
  'utf8',
);
const isKnownInstanceType = (type: string): boolean => {
  try {
    instanceLimits(type);
    return true;
  } catch {
    return false;
  }
};

describe('Simulation progress', () => {
  it('reports simulated time moving forward and leaves the report unchanged', async () => {
    const scenario = parseScenario(quickstart, { isKnownInstanceType });
    const quiet = await new Simulation(scenario, 5).run();
    const watched = new Simulation(scenario, 5);
    const seen: SimulationProgress[] = [];
    watched.progressIntervalMs = 0; // every invariant tick
    watched.onProgress = (progress) => seen.push(progress);
    const report = await watched.run();
    expect(report).toEqual(quiet);
    expect(seen.length).toBeGreaterThan(10);
    const times = seen.map((progress) => progress.simulatedSeconds);
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(seen.at(-1)?.untilSeconds).toBe(scenario.until);
    expect(seen.some((progress) => progress.pods > 0)).toBe(true);
  });
});
