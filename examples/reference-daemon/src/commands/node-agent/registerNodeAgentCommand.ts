import type { Command } from 'commander';
import { nodeAgentSettings } from '../../agent/models/nodeAgentSettings.js';
import type { CliContext } from '../../cli/models/CliContext.js';
import { declareSettings } from '../../daemon/config/SettingSpec.js';

/** Adds `podsgd node-agent`: the per-node agent (socket, CNI install, node setup, release confirmations). */
export function registerNodeAgentCommand(program: Command, context: CliContext): void {
  const command = program
    .command('node-agent')
    .description(
      "run the podsg node agent: answers podsg-cni about this node's pods, installs podsg-cni, " +
        'applies the node setup, marks the node trunk-capable, confirms branch releases',
    );
  declareSettings(command, nodeAgentSettings).action(async (options: Record<string, unknown>) => {
    const { runNodeAgent } = await import('./runNodeAgent.js');
    await runNodeAgent(options, context, process.env);
  });
}
