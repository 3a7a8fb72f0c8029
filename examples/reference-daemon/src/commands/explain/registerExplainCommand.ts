import type { Command } from 'commander';
import type { CliContext } from '../../cli/models/CliContext.js';
import type { ExplainOptions } from './models/ExplainOptions.js';

/**
 * Adds `podsgd explain`: which SecurityGroupPolicies select a pod, why, and the security
 * groups it gets. The implementation (YAML reading, `@podsg/policy`) loads only when the
 * subcommand runs.
 */
export function registerExplainCommand(program: Command, context: CliContext): void {
  program
    .command('explain')
    .description(
      'show which SecurityGroupPolicies select a pod, which selector terms matched or failed, ' +
        'and the security groups the pod gets',
    )
    .requiredOption(
      '--policies <path...>',
      'SecurityGroupPolicy manifests: a file, or a directory whose *.yaml, *.yml and *.json ' +
        'files are read (not subdirectories); may be repeated. Other kinds are ignored.',
    )
    .requiredOption('--pod <file>', 'manifest holding exactly one Pod')
    .option(
      '--service-account <file>',
      "manifest holding the pod's ServiceAccount; without it serviceAccountSelectors do not match",
    )
    .option('-n, --namespace <namespace>', 'namespace of objects that set none', 'default')
    .option('--json', 'print one JSON object instead of text')
    .addHelpText(
      'after',
      [
        '',
        'Exit status: 0 when the report was produced (even if nothing matches or some',
        'policies are invalid; they are listed), 2 for usage errors, unreadable files and',
        'an invalid pod or service account.',
        '',
        'Example:',
        '  podsgd explain --policies manifests/ --pod pod.yaml --service-account sa.yaml',
      ].join('\n'),
    )
    .action(async (options: ExplainOptions) => {
      const { runExplain } = await import('./runExplain.js');
      await runExplain(options, context);
    });
}
