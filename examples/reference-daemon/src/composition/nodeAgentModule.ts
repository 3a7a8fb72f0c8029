import { ContainerModule } from 'inversify';
import { NODE_NETWORK_SETUP, NodeAgentDaemon } from '../agent/NodeAgentDaemon.js';
import type { NodeAgentSettings } from '../agent/models/nodeAgentSettings.js';
import type { NodeNetworkSetup } from '../agent/ports/NodeNetworkSetup.js';
import { LinuxNodeNetworkSetup } from '../agent/services/LinuxNodeNetworkSetup.js';
import type { DaemonLog } from '../daemon/ports/DaemonLog.js';
import { TOKENS } from './tokens.js';

/** The container module of `podsgd node-agent`: settings, log, node setup and the daemon. */
export function nodeAgentModule(settings: NodeAgentSettings, log: DaemonLog): ContainerModule {
  return new ContainerModule(({ bind }) => {
    bind(TOKENS.nodeAgentSettings).toConstantValue(settings);
    bind(TOKENS.log).toConstantValue(log);
    bind<NodeNetworkSetup | null>(NODE_NETWORK_SETUP).toConstantValue(
      settings.nodeSetup === 'off'
        ? null
        : new LinuxNodeNetworkSetup({
            mode: settings.enforcingMode,
            primaryLink: settings.primaryLink,
            vethPrefix: settings.vethPrefix,
          }),
    );
    bind(NodeAgentDaemon).toSelf().inSingletonScope();
  });
}
