import { describe, expect, it } from 'vitest';
import type { NftTable, NodeSetupPlan, PodNetworkApplier, RoutePlan } from '@podsg/cni';
import { applyNodeSetup } from './applyNodeSetup.js';

function targets(): {
  log: string[];
  applier: PodNetworkApplier;
  firewall: { apply(table: NftTable): Promise<void> };
} {
  const log: string[] = [];
  return {
    log,
    applier: {
      apply: (plan: RoutePlan, sandbox) => {
        log.push(
          `apply ${String(plan.steps.length)} steps in ${sandbox === null ? 'host' : 'pod'}`,
        );
        return Promise.resolve();
      },
      snapshot: () => Promise.reject(new Error('not used')),
    },
    firewall: {
      apply: (table) => {
        log.push(`firewall ${table.family} ${table.name}`);
        return Promise.resolve();
      },
    },
  };
}

const routePlan: RoutePlan = {
  steps: [
    { op: 'rule.add', ns: 'host', priority: 20, table: 'local' },
    { op: 'rule.del', ns: 'host', priority: 0, table: 'local' },
  ],
};

describe('applyNodeSetup', () => {
  it('applies the rules in the host namespace, then the firewall table', async () => {
    const { log, ...deps } = targets();
    const plan: NodeSetupPlan = {
      routePlan,
      firewall: { family: 'inet', name: 'podsg', chains: [] },
    };
    await applyNodeSetup(plan, deps);
    expect(log).toEqual(['apply 2 steps in host', 'firewall inet podsg']);
  });

  it('leaves the firewall alone when the plan has none (strict mode)', async () => {
    const { log, ...deps } = targets();
    await applyNodeSetup({ routePlan, firewall: null }, deps);
    expect(log).toEqual(['apply 2 steps in host']);
  });
});
