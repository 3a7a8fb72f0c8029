import type { Command } from 'commander';
import type { CliContext } from '../../cli/models/CliContext.js';

/** Options of `podsgd simulate`, as commander parses them. */
export interface SimulateOptions {
  json?: boolean;
  seed: string;
}

/**
 * Adds `podsgd simulate FILE`: runs a scenario (the real controller, admission reviews and CNI
 * planner against the fake EC2 and cluster on a virtual clock) and reports. The simulator
 * loads only when the subcommand runs.
 */
export function registerSimulateCommand(program: Command, context: CliContext): void {
  program
    .command('simulate')
    .description(
      'simulate a cluster scenario against the in-memory EC2 and Kubernetes fakes in virtual time, ' +
        'and report pods, interfaces, EC2 calls, pod-ready percentiles and invariant violations',
    )
    .argument('<file>', 'scenario YAML file')
    .option('--json', 'print one JSON report instead of the summary')
    .option('--seed <n>', 'seed of every random draw (latency, faults, ids, jitter)', '1')
    .addHelpText(
      'after',
      [
        '',
        'Exit status: 0 when every invariant held, 1 when one was violated (the report lists',
        'them), 2 when the scenario is invalid (the message names the field).',
        '',
        'Example:',
        '  podsgd simulate examples/scenarios/quickstart.yaml --json --seed 7',
      ].join('\n'),
    )
    .action(async (file: string, options: SimulateOptions) => {
      const { runSimulate } = await import('./runSimulate.js');
      await runSimulate(file, options, context);
    });
}
