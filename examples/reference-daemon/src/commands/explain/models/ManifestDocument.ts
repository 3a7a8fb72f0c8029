import type { ManifestSource } from './ManifestSource.js';

/**
 * One object read from a manifest file: either its parsed content, or the YAML syntax
 * error that kept it from being parsed.
 */
export type ManifestDocument =
  | { readonly source: ManifestSource; readonly content: unknown; readonly yamlError?: never }
  | { readonly source: ManifestSource; readonly content?: never; readonly yamlError: string };
