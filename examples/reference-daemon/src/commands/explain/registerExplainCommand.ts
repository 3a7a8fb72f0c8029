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
        'and the security groups the pod gets; with --reach, what those groups let it reach',
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
    .option(
      '--reach',
      'also say whether the pod may open a flow to --to under the rules of --security-groups, ' +
        'and which egress and ingress rule allow it or which is missing',
    )
    .option(
      '--to <target>',
      'with --reach: <sg-id|ip>:<port>[/tcp|udp] — an interface carrying that group, or an address',
    )
    .option(
      '--security-groups <file>',
      'with --reach: the output of aws ec2 describe-security-groups (JSON), optionally with the ' +
        'NetworkInterfaces of aws ec2 describe-network-interfaces merged in',
    )
    .option('--json', 'print one JSON object instead of text')
    .addHelpText(
      'after',
      [
        '',
        'Exit status: 0 when the report was produced (even if nothing matches or some',
        'policies are invalid; they are listed; with --reach whether the flow is allowed or',
        'not), 2 for usage errors, unreadable files and an invalid pod, service account or',
        'security groups file.',
        '',
        'Examples:',
        '  podsgd explain --policies manifests/ --pod pod.yaml --service-account sa.yaml',
        '  podsgd explain --policies manifests/ --pod pod.yaml --service-account sa.yaml \\',
        '    --reach --to sg-0a1b2c3d4e5f60002:5432 --security-groups security-groups.json',
      ].join('\n'),
    )
    .action(async (options: ExplainOptions) => {
      const { runExplain } = await import('./runExplain.js');
      await runExplain(options, context);
    });
}
