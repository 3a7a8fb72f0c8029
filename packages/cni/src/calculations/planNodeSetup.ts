import type { NodeSetupInput, NodeSetupPlan } from '../models/NodeSetupPlan.js';

/** The once-per-node setup for an enforcing mode. */
export function planNodeSetup(_input: NodeSetupInput): NodeSetupPlan {
  throw new Error('not implemented yet');
}
