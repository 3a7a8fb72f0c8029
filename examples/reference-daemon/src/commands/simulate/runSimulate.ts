import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { isKnownInstanceType } from '../../simulate/calculations/isKnownInstanceType.js';
import { PodsgdCliError } from '../../cli/errors/PodsgdCliError.js';
import type { CliContext } from '../../cli/models/CliContext.js';
import { ExitCode } from '../../cli/models/ExitCode.js';
import { formatSimulationSummary } from '../../simulate/calculations/formatSimulationSummary.js';
import { parseScenario } from '../../simulate/calculations/parseScenario.js';
import { ScenarioError } from '../../simulate/models/ScenarioError.js';
import { Simulation } from '../../simulate/services/Simulation.js';
import type { SimulateOptions } from './registerSimulateCommand.js';

/** Reads, validates and runs a scenario; prints the summary or the JSON report. */
export async function runSimulate(
  file: string,
  options: SimulateOptions,
  context: CliContext,
): Promise<void> {
  const seed = Number(options.seed);
  if (!Number.isSafeInteger(seed) || seed < 0) {
    throw new PodsgdCliError('Usage', `--seed must be a whole number ≥ 0, not "${options.seed}"`);
  }
  const path = resolve(context.cwd, file);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new PodsgdCliError('Unreadable', `cannot read ${file}`, file, { cause: error });
  }
  let scenario;
  try {
    scenario = parseScenario(text, { isKnownInstanceType });
  } catch (error) {
    if (!ScenarioError.is(error)) throw error;
    const lines = error.issues.map((issue) => `  ${issue.path}: ${issue.message}`);
    throw new PodsgdCliError(
      'InvalidInput',
      `${file}: invalid scenario\n${lines.join('\n')}`,
      file,
      {
        cause: error,
      },
    );
  }
  const report = await new Simulation(scenario, seed).run();
  context.stdout(
    options.json === true
      ? `${JSON.stringify(report, null, 2)}\n`
      : formatSimulationSummary(report),
  );
  if (report.violations.length > 0) context.setExitCode(ExitCode.Failure);
}
