import { ContainerModule } from 'inversify';
import { ControllerDaemon } from '../controller/ControllerDaemon.js';
import type { ControllerSettings } from '../controller/models/controllerSettings.js';
import type { DaemonLog } from '../daemon/ports/DaemonLog.js';
import { TOKENS } from './tokens.js';

/** The container module of `podsgd controller`: its settings, its log and the daemon. */
export function controllerModule(settings: ControllerSettings, log: DaemonLog): ContainerModule {
  return new ContainerModule(({ bind }) => {
    bind(TOKENS.controllerSettings).toConstantValue(settings);
    bind(TOKENS.log).toConstantValue(log);
    bind(ControllerDaemon).toSelf().inSingletonScope();
  });
}
