import { resolve } from 'node:path';
import { PodsgdCliError } from '../../cli/errors/PodsgdCliError.js';
import type { CliContext } from '../../cli/models/CliContext.js';
import { cloudModule, type CloudChoice } from '../../composition/cloudModule.js';
import { controllerModule } from '../../composition/controllerModule.js';
import { createContainer } from '../../composition/createContainer.js';
import { FakeCloud } from '../../composition/FakeCloud.js';
import { ControllerDaemon } from '../../controller/ControllerDaemon.js';
import {
  controllerSettings,
  type ControllerSettings,
} from '../../controller/models/controllerSettings.js';
import { parseSettings } from '../../daemon/config/SettingSpec.js';
import { createDaemonLog } from '../../daemon/services/createDaemonLog.js';
import { runUntilSignal } from '../../daemon/services/runUntilSignal.js';

/**
 * `podsgd controller`: validates the configuration (every error names its flag), composes the
 * container for the chosen adapters, runs the daemon until SIGTERM/SIGINT or lost leadership,
 * and sets the exit status (0 after a clean shutdown).
 */
export async function runController(
  options: Readonly<Record<string, unknown>>,
  context: CliContext,
  environment: Readonly<Record<string, string | undefined>>,
): Promise<void> {
  const settings = validateControllerSettings(
    parseSettings(controllerSettings, options, environment),
  );
  const log = createDaemonLog({ component: 'controller', level: settings.logLevel });
  const choice: CloudChoice =
    settings.fakeCloud === undefined
      ? {
          kind: 'production',
          ec2: {
            clusterName: settings.clusterName,
            region: settings.region,
            ec2Endpoint: settings.ec2Endpoint,
          },
          kubernetes: {
            kubeconfig: settings.kubeconfig,
            ...(settings.controllerUsername === undefined
              ? {}
              : { controllerUsername: settings.controllerUsername }),
          },
        }
      : { kind: 'fake', cloud: await FakeCloud.fromFile(resolve(context.cwd, settings.fakeCloud)) };
  const container = createContainer(cloudModule(choice), controllerModule(settings, log));
  const daemon = container.get(ControllerDaemon);
  context.setExitCode(await runUntilSignal(daemon, log));
}

/** Cross-field checks of the controller's settings. */
export function validateControllerSettings(settings: ControllerSettings): ControllerSettings {
  if (settings.fakeCloud === undefined && settings.region === undefined) {
    throw new PodsgdCliError(
      'Usage',
      '--region (or environment PODSG_REGION, AWS_REGION) is required unless --fake-cloud',
    );
  }
  if (settings.renewDeadlineMs >= settings.leaseDurationMs) {
    throw new PodsgdCliError(
      'Usage',
      '--renew-deadline must be shorter than --lease-duration (fencing needs the margin)',
    );
  }
  if (settings.retryPeriodMs >= settings.renewDeadlineMs) {
    throw new PodsgdCliError('Usage', '--retry-period must be shorter than --renew-deadline');
  }
  if (settings.cooldownSeconds !== undefined && settings.cooldownSeconds < 30) {
    throw new PodsgdCliError(
      'Usage',
      `--cooldown: must be at least 30 seconds, got ${settings.cooldownSeconds}`,
    );
  }
  if (settings.warmPoolBranches !== undefined && settings.warmPoolBranches > 1000) {
    throw new PodsgdCliError(
      'Usage',
      `--warm-pool: at most 1000 branches per node, got ${settings.warmPoolBranches}`,
    );
  }
  if (settings.warmPoolIdleMs !== undefined && settings.warmPoolBranches === undefined) {
    throw new PodsgdCliError('Usage', '--warm-pool-idle needs --warm-pool');
  }
  return settings;
}
