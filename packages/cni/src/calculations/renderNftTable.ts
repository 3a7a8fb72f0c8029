import type { NftTable } from '../models/NodeSetupPlan.js';

/**
 * The `nft -f -` script that replaces a table atomically: it declares the table (so the delete
 * cannot fail when it is absent), deletes it, and recreates it with its chains and rules, all in
 * one transaction.
 */
export function renderNftTable(table: NftTable): string {
  const lines = [
    `table ${table.family} ${table.name}`,
    `delete table ${table.family} ${table.name}`,
    `table ${table.family} ${table.name} {`,
  ];
  for (const chain of table.chains) {
    lines.push(`  chain ${chain.name} {`);
    lines.push(
      `    type ${chain.type} hook ${chain.hook} priority ${chain.priority}; policy ${chain.policy};`,
    );
    for (const rule of chain.rules) {
      lines.push(`    ${rule.statement} comment ${JSON.stringify(rule.comment)}`);
    }
    lines.push('  }');
  }
  lines.push('}');
  return `${lines.join('\n')}\n`;
}
