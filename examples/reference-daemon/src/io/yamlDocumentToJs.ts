import type { Document } from 'yaml';

/**
 * At most this many alias expansions per document (the `yaml` package's own default, stated so
 * it cannot drift): a manifest needs a handful, an alias bomb ("billion laughs") millions.
 */
export const MAX_YAML_ALIAS_COUNT = 100;

/** A YAML document as plain data, or why it was refused. */
export type YamlDocumentValue = { value: unknown } | { refused: string };

/**
 * Converts a parsed YAML document to plain data, refusing hostile input with a reason instead
 * of throwing: aliases that expand beyond {@link MAX_YAML_ALIAS_COUNT} (an alias bomb) and
 * anything else the conversion cannot finish (nesting too deep for the stack).
 */
export function yamlDocumentToJs(document: Document.Parsed): YamlDocumentValue {
  try {
    return { value: document.toJS({ maxAliasCount: MAX_YAML_ALIAS_COUNT }) as unknown };
  } catch (error) {
    if (error instanceof ReferenceError && /alias/i.test(error.message)) {
      return {
        refused: `aliases expand more than ${MAX_YAML_ALIAS_COUNT} times (an alias bomb?)`,
      };
    }
    if (error instanceof RangeError) return { refused: 'nested too deeply' };
    return { refused: error instanceof Error ? error.message : String(error) };
  }
}
