import type { Command } from 'commander';
import type { CliContext } from '../../cli/models/CliContext.js';
import { controllerSettings } from '../../controller/models/controllerSettings.js';
import { declareSettings } from '../../daemon/config/SettingSpec.js';

/**
 * Adds `podsgd controller`: leader-elected branch allocation, admission webhooks on every
 * replica, health and metrics. Flags and `PODSG_*` variables come from `controllerSettings`.
 */
export function registerControllerCommand(program: Command, context: CliContext): void {
  const command = program
    .command('controller')
    .description(
      'run the podsg controller: branch interfaces for pods (on the replica holding the lease), ' +
        'admission webhooks over HTTPS, /healthz, /readyz and /metrics',
    );
  declareSettings(command, controllerSettings).action(async (options: Record<string, unknown>) => {
    const { runController } = await import('./runController.js');
    await runController(options, context, process.env);
  });
}
