import { resolve } from 'node:path';
import { nodeAgentSettings } from '../../agent/models/nodeAgentSettings.js';
import { NodeAgentDaemon } from '../../agent/NodeAgentDaemon.js';
import type { CliContext } from '../../cli/models/CliContext.js';
import { cloudModule, type CloudChoice } from '../../composition/cloudModule.js';
import { createContainer } from '../../composition/createContainer.js';
import { FakeCloud } from '../../composition/FakeCloud.js';
import { nodeAgentModule } from '../../composition/nodeAgentModule.js';
import { parseSettings } from '../../daemon/config/SettingSpec.js';
import { createDaemonLog } from '../../daemon/services/createDaemonLog.js';
import { runUntilSignal } from '../../daemon/services/runUntilSignal.js';

/**
 * `podsgd node-agent`: validates the configuration (errors name the flag), composes the
 * container (the Kubernetes adapter scoped to this node), runs until SIGTERM/SIGINT.
 */
export async function runNodeAgent(
  options: Readonly<Record<string, unknown>>,
  context: CliContext,
  environment: Readonly<Record<string, string | undefined>>,
): Promise<void> {
  const settings = parseSettings(nodeAgentSettings, options, environment);
  const log = createDaemonLog({
    component: 'node-agent',
    node: settings.nodeName,
    level: settings.logLevel,
  });
  const choice: CloudChoice =
    settings.fakeCloud === undefined
      ? {
          kind: 'production',
          kubernetes: { kubeconfig: settings.kubeconfig, nodeName: settings.nodeName },
        }
      : { kind: 'fake', cloud: await FakeCloud.fromFile(resolve(context.cwd, settings.fakeCloud)) };
  const container = createContainer(cloudModule(choice), nodeAgentModule(settings, log));
  context.setExitCode(await runUntilSignal(container.get(NodeAgentDaemon), log));
}
