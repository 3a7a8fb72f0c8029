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
    .option(
      '--ec2-endpoint <url>',
      'with --reach, instead of --security-groups: read the groups (and the interfaces holding ' +
        'an address --to) from this EC2 endpoint; credentials from the AWS SDK default chain',
    )
    .option(
      '--region <region>',
      'with --reach, instead of --security-groups: read them from EC2 in this region ' +
        '(default for --ec2-endpoint: AWS_REGION)',
    )
    .option('--json', 'print one JSON object instead of text')
    .addHelpText(
      'after',
      [
        '',
        'Exit status: 0 when the report was produced (even if nothing matches or some',
        'policies are invalid; they are listed; with --reach whether the flow is allowed or',
        'not), 2 for usage errors, unreadable files, an invalid pod, service account or',
        'security groups file, and EC2 errors (code and message printed).',
        '',
        'Examples:',
        '  podsgd explain --policies manifests/ --pod pod.yaml --service-account sa.yaml',
        '  podsgd explain --policies manifests/ --pod pod.yaml --service-account sa.yaml \\',
        '    --reach --to sg-0a1b2c3d4e5f60002:5432 --security-groups security-groups.json',
        '  podsgd explain --policies manifests/ --pod pod.yaml --service-account sa.yaml \\',
        '    --reach --to 10.0.3.7:5432 --region us-west-2',
      ].join('\n'),
    )
    .action(async (options: ExplainOptions) => {
      const { runExplain } = await import('./runExplain.js');
      await runExplain(options, context);
    });
}
