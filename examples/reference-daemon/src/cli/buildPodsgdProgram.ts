import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import type { CliContext } from './models/CliContext.js';
import type { SubcommandRegistrar } from './models/SubcommandRegistrar.js';

/**
 * Builds the `podsgd` commander program with the given subcommands.
 *
 * The program never calls `process.exit`: commander's own exits are turned into thrown
 * `CommanderError`s (see {@link runPodsgd}), and all output goes through `context`.
 */
export function buildPodsgdProgram(
  context: CliContext,
  subcommands: readonly SubcommandRegistrar[],
): Command {
  const program = new Command('podsgd')
    .description('podsg reference daemon: security groups for Kubernetes pods')
    .version(packageVersion(), '-V, --version')
    .configureOutput({
      writeOut: context.stdout,
      writeErr: context.stderr,
    })
    .exitOverride()
    .showHelpAfterError('(run with --help for usage)')
    .allowExcessArguments(false);
  // Subcommands copy these settings when created, so configure first, then register.
  for (const register of subcommands) register(program, context);
  return program;
}

function packageVersion(): string {
  // src/cli and dist/cli are both two levels below the package root.
  const manifest: unknown = JSON.parse(
    readFileSync(new URL('../../package.json', import.meta.url), 'utf8'),
  );
  const version =
    typeof manifest === 'object' && manifest !== null && 'version' in manifest
      ? manifest.version
      : undefined;
  return typeof version === 'string' ? version : '0.0.0';
}
