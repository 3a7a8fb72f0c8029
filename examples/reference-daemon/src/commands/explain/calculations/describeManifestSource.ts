import type { ManifestSource } from '../models/ManifestSource.js';

/** `file:line (document N)` or `file:line (document N, items[i])`, for messages. */
export function describeManifestSource(source: ManifestSource): string {
  const item = source.item === undefined ? '' : `, items[${source.item}]`;
  return `${source.file}:${source.line} (document ${source.document}${item})`;
}
