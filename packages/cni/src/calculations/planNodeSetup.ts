import type { NftTable, NodeSetupInput, NodeSetupPlan } from '../models/NodeSetupPlan.js';
import type { PlanStep } from '../models/RoutePlan.js';
import { STRICT_MODE_VETH_PREFIX } from './hostVethName.js';
import { requireLinkName } from './validatePlanInput.js';
import { CniError } from '../errors/CniError.js';

/** The connmark bit standard mode uses for connections that entered through the primary link. */
export const NODE_PORT_MARK = '0x80';

/** Name of the nftables table standard mode installs. */
export const NODE_FIREWALL_TABLE = 'podsg';

/**
 * The once-per-node setup for an enforcing mode (docs/architecture.md, "Pod networking").
 *
 * Strict: the `lookup local` rule moves from priority 0 to 20 (add first, then delete, so the
 * node never runs without one), so the priority 10 branch rules see a pod's traffic before the
 * local table does and even traffic to the node's own addresses leaves through the branch.
 *
 * Standard: NodePort and other traffic that reaches a branch pod through the node's primary link
 * is DNAT-ed by kube-proxy; its replies would follow the pod's `from P lookup 100+N` rule out of
 * the branch and be dropped by the VPC as asymmetric. As the AWS VPC CNI does with iptables
 * (`CONNMARK --set-mark 0x80/0x80` on the primary ENI, `--restore-mark --mask 0x80` on `eni+` and
 * `vlan+`), the firewall marks such connections and restores the mark on reply packets from pod
 * veths, and rule priority 1024 `fwmark 0x80/0x80 lookup main` sends the replies back through the
 * host, ahead of the pod's priority 1536 rule.
 *
 * Applying the plan twice is harmless: `rule.add` of an existing rule and `rule.del` of a missing
 * one succeed, and the firewall table is replaced as a whole.
 */
export function planNodeSetup(input: NodeSetupInput): NodeSetupPlan {
  const families: (4 | 6)[] = input.ipv6 === true ? [4, 6] : [4];
  if (input.mode === 'strict') {
    const steps: PlanStep[] = [];
    for (const family of families) {
      steps.push(
        { op: 'rule.add', ns: 'host', priority: 20, table: 'local', family },
        { op: 'rule.del', ns: 'host', priority: 0, table: 'local', family },
      );
    }
    return { routePlan: { steps }, firewall: null };
  }
  const primaryLink = requireLinkName('primaryLink', input.primaryLink ?? 'eth0');
  const vethPrefix = input.vethPrefix ?? 'eni';
  if (!/^[a-z0-9]{1,4}$/.test(vethPrefix)) {
    throw new CniError(
      'InvalidPlanInput',
      `vethPrefix ${JSON.stringify(vethPrefix)} must be 1 to 4 characters of [a-z0-9]`,
    );
  }
  const steps: PlanStep[] = families.map((family) => ({
    op: 'rule.add',
    ns: 'host',
    priority: 1024,
    table: 'main',
    fwmark: `${NODE_PORT_MARK}/${NODE_PORT_MARK}`,
    family,
  }));
  return { routePlan: { steps }, firewall: nodePortConnmarkTable(primaryLink, vethPrefix) };
}

function nodePortConnmarkTable(primaryLink: string, vethPrefix: string): NftTable {
  const restorePrefixes = [...new Set([vethPrefix, STRICT_MODE_VETH_PREFIX])];
  return {
    family: 'inet',
    name: NODE_FIREWALL_TABLE,
    chains: [
      {
        name: 'prerouting',
        type: 'filter',
        hook: 'prerouting',
        priority: -150, // mangle: before routing, like the iptables mangle table
        policy: 'accept',
        rules: [
          {
            statement: `iifname "${primaryLink}" fib daddr . iif type local ct mark set ct mark | ${NODE_PORT_MARK}`,
            comment: `connections entering on ${primaryLink} for a node address (NodePort, host ports)`,
          },
          ...restorePrefixes.map((prefix) => ({
            statement: `iifname "${prefix}*" ct mark & ${NODE_PORT_MARK} == ${NODE_PORT_MARK} meta mark set meta mark | ${NODE_PORT_MARK}`,
            comment: `replies from pod veths ${prefix}* of marked connections route by main`,
          })),
        ],
      },
    ],
  };
}
