import type { Command } from 'commander';
import type { CliContext } from '../../cli/models/CliContext.js';

/** Adds `podsgd dev`: the emulators, the controller and the node agents on this machine. */
export function registerDevCommand(program: Command, context: CliContext): void {
  program
    .command('dev')
    .description(
      'run the whole system on this machine: EC2 and Kubernetes emulators on loopback, the real ' +
        'controller and one node agent per emulated node as child processes; writes ' +
        'DIR/kubeconfig and DIR/aws.env for kubectl and the AWS CLI; Ctrl-C stops everything',
    )
    .option(
      '--cluster <file>',
      "scenario file whose cluster section is emulated (default: the quickstart's)",
    )
    .option(
      '--state-dir <dir>',
      'where kubeconfig, aws.env, logs, sockets and CNI dirs go',
      '.podsgd-dev',
    )
    .option(
      '--scenario <file>',
      "play this scenario's objects and timeline in real time once ready",
    )
    .option(
      '--faults <file>',
      'JSON { "ec2": [...], "kubernetes": [...] }: wire faults of the emulators (throttling, 5xx, dropped watches)',
    )
    .option('--replicas <n>', 'controller replicas (leader election between them)', '2')
    .option('--ec2-port <port>', 'port of the EC2 emulator (0: any free one)', '0')
    .option(
      '--kubernetes-port <port>',
      'port of the Kubernetes API emulator (0: any free one)',
      '0',
    )
    .action(async (options: Record<string, unknown>) => {
      const { runDev } = await import('./runDev.js');
      await runDev(options, context, process.env);
    });
}
