import type { Command } from 'commander';
import type { CliContext } from './CliContext.js';

/**
 * Adds one subcommand to the `podsgd` program. A registrar only declares options and
 * help text; it must import its implementation lazily inside the action handler, so
 * `podsgd --help` and unrelated subcommands start without loading it.
 */
export type SubcommandRegistrar = (program: Command, context: CliContext) => void;
