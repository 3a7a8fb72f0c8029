import { resolve } from 'node:path';
import { PodsgdCliError } from '../../cli/errors/PodsgdCliError.js';
import type { CliContext } from '../../cli/models/CliContext.js';
import { ExitCode } from '../../cli/models/ExitCode.js';
import { formatSimulationSummary } from '../../simulate/calculations/formatSimulationSummary.js';
import { readScenarioFile } from '../../simulate/io/readScenarioFile.js';
import { Simulation } from '../../simulate/services/Simulation.js';
import type { SimulateOptions } from './registerSimulateCommand.js';

/** Reads, validates and runs a scenario; prints the summary or the JSON report. */
export async function runSimulate(
  file: string,
  options: SimulateOptions,
  context: CliContext,
): Promise<void> {
  const seed = /^\d+$/.test(options.seed) ? Number(options.seed) : Number.NaN;
  if (!Number.isSafeInteger(seed)) {
    throw new PodsgdCliError('Usage', `--seed must be a whole number ≥ 0, not "${options.seed}"`);
  }
  const path = resolve(context.cwd, file);
  const scenario = await readScenarioFile(path, file);
  const simulation = new Simulation(scenario, seed);
  simulation.onProgress = ({ simulatedSeconds, untilSeconds, pods }) => {
    context.stderr(
      `podsgd simulate: t=${simulatedSeconds}s of ${untilSeconds}s simulated, ${pods} pods\n`,
    );
  };
  const report = await simulation.run();
  context.stdout(
    options.json === true
      ? `${JSON.stringify(report, null, 2)}\n`
      : formatSimulationSummary(report),
  );
  if (report.violations.length > 0) context.setExitCode(ExitCode.Failure);
}
