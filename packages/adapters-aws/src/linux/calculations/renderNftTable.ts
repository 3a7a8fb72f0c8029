import type { NftTable } from '@podsg/cni';
import { UnsafeTokenError, safeInteger } from './safeTokens.js';

const IDENTIFIER = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;
const FAMILIES = new Set(['ip', 'ip6', 'inet']);
const CHAIN_TYPES = new Set(['filter', 'route', 'nat']);
const HOOKS = new Set(['prerouting', 'input', 'forward', 'output', 'postrouting']);
const POLICIES = new Set(['accept', 'drop']);
// One rule on one line: no line breaks, statement separators, comments or control characters.
const STATEMENT = /^[^\n\r;#\p{Cc}]{1,1024}$/u;
const COMMENT = /^[^"\\\n\r\p{Cc}]{0,128}$/u;

function oneOf(field: string, value: string, allowed: Set<string>): string {
  if (!allowed.has(value))
    throw new UnsafeTokenError(
      `${field} ${JSON.stringify(value)} is not one of ${[...allowed].join(', ')}`,
    );
  return value;
}

function identifier(field: string, value: string): string {
  if (!IDENTIFIER.test(value))
    throw new UnsafeTokenError(`${field} ${JSON.stringify(value)} is not an nft identifier`);
  return value;
}

function statement(field: string, value: string): string {
  const quotes = value.split('"').length - 1;
  const opened = value.split('{').length - 1;
  const closed = value.split('}').length - 1;
  if (!STATEMENT.test(value) || quotes % 2 !== 0 || opened !== closed) {
    throw new UnsafeTokenError(
      `${field} ${JSON.stringify(value)} is not a single nft rule statement`,
    );
  }
  return value.trim();
}

/**
 * Renders an nftables table as one `nft -f` transaction that replaces it: `add table` (so the
 * delete cannot fail on a first run), `delete table`, then the full table. nft applies the file
 * atomically, so packets see the old table or the new one, never a mix. (`destroy table` would be
 * shorter but needs nft 1.0.8.)
 *
 * Throws `UnsafeTokenError` naming the field when a name, statement or comment could break out of
 * its place in the file.
 */
export function renderNftTable(table: NftTable): string {
  const family = oneOf('family', table.family, FAMILIES);
  const name = identifier('name', table.name);
  const chains = table.chains.map((chain, chainIndex) => {
    const at = `chains[${String(chainIndex)}]`;
    const rules = chain.rules.map((rule, ruleIndex) => {
      const ruleAt = `${at}.rules[${String(ruleIndex)}]`;
      if (!COMMENT.test(rule.comment)) {
        throw new UnsafeTokenError(
          `${ruleAt}.comment ${JSON.stringify(rule.comment)} is not a safe nft comment`,
        );
      }
      return `\t\t${statement(`${ruleAt}.statement`, rule.statement)} comment "${rule.comment}"\n`;
    });
    return [
      `\tchain ${identifier(`${at}.name`, chain.name)} {\n`,
      `\t\ttype ${oneOf(`${at}.type`, chain.type, CHAIN_TYPES)} hook ${oneOf(`${at}.hook`, chain.hook, HOOKS)}`,
      ` priority ${safeInteger(`${at}.priority`, chain.priority, -2_147_483_648, 2_147_483_647)};`,
      ` policy ${oneOf(`${at}.policy`, chain.policy, POLICIES)};\n`,
      ...rules,
      '\t}\n',
    ].join('');
  });
  return [
    `add table ${family} ${name}\n`,
    `delete table ${family} ${name}\n`,
    `table ${family} ${name} {\n`,
    ...chains,
    '}\n',
  ].join('');
}

/** The `nft -f` input that removes a table, whether or not it exists. */
export function renderNftTableRemoval(family: string, name: string): string {
  const checkedFamily = oneOf('family', family, FAMILIES);
  const checkedName = identifier('name', name);
  return `add table ${checkedFamily} ${checkedName}\ndelete table ${checkedFamily} ${checkedName}\n`;
}
