import { registerControllerCommand } from '../commands/controller/registerControllerCommand.js';
import { registerNodeAgentCommand } from '../commands/node-agent/registerNodeAgentCommand.js';
import { registerExplainCommand } from '../commands/explain/registerExplainCommand.js';
import { registerSimulateCommand } from '../commands/simulate/registerSimulateCommand.js';
import type { SubcommandRegistrar } from './models/SubcommandRegistrar.js';

/**
 * Every subcommand of `podsgd`, in the order `--help` lists them. A new subcommand adds
 * its registrar here; registrars load their implementation lazily.
 */
export const podsgdSubcommands: readonly SubcommandRegistrar[] = [
  registerSimulateCommand,
  registerExplainCommand,
  registerControllerCommand,
  registerNodeAgentCommand,
];
