import { isMap, isNode, isSeq, LineCounter, parseAllDocuments } from 'yaml';
import { PodsgdCliError } from '../../../cli/errors/PodsgdCliError.js';
import { yamlDocumentToJs } from '../../../io/yamlDocumentToJs.js';
import type { ManifestDocument } from '../models/ManifestDocument.js';
import type { ManifestSource } from '../models/ManifestSource.js';
import { describeManifestSource } from './describeManifestSource.js';

/**
 * Splits the text of a manifest file into its objects: one per YAML document, with
 * `kind: List` documents (as `kubectl get -o yaml` writes them) expanded into their
 * items. Empty documents are dropped. A document with a YAML syntax error becomes an
 * entry carrying the error, so one bad document does not hide the others.
 *
 * @throws PodsgdCliError `InvalidInput` for a document whose aliases expand too far (an alias
 * bomb) or that nests too deeply to convert.
 *
 * YAML 1.1 is used, as Kubernetes' own YAML reader does (so `yes` is a boolean, which a
 * label value may not be).
 */
export function parseManifestText(text: string, file: string): ManifestDocument[] {
  const lineCounter = new LineCounter();
  const parsed = parseAllDocuments(text, { lineCounter, version: '1.1' });
  if (!Array.isArray(parsed)) return [];
  const documents: ManifestDocument[] = [];
  parsed.forEach((yamlDocument, index) => {
    const start = yamlDocument.contents?.range[0] ?? yamlDocument.range[0];
    const source: ManifestSource = {
      file,
      document: index + 1,
      line: lineCounter.linePos(start).line,
    };
    const firstError = yamlDocument.errors[0];
    if (firstError !== undefined) {
      // The first line says what and where; the rest is a source excerpt.
      documents.push({ source, yamlError: firstError.message.split('\n')[0] ?? 'YAML error' });
      return;
    }
    const converted = yamlDocumentToJs(yamlDocument);
    if ('refused' in converted) {
      // Hostile rather than mistaken: refuse the whole file, naming the document.
      throw new PodsgdCliError(
        'InvalidInput',
        `${describeManifestSource(source)}: YAML refused: ${converted.refused}`,
        file,
      );
    }
    const content = converted.value;
    if (content === null || content === undefined) return;
    const items = listItems(content);
    if (items === undefined) {
      documents.push({ source, content });
      return;
    }
    const itemNodes = isMap(yamlDocument.contents)
      ? yamlDocument.contents.get('items', true)
      : null;
    items.forEach((item, itemIndex) => {
      const node = isSeq(itemNodes) ? itemNodes.items[itemIndex] : undefined;
      const itemStart = isNode(node) && node.range ? node.range[0] : start;
      documents.push({
        source: { ...source, line: lineCounter.linePos(itemStart).line, item: itemIndex },
        content: item,
      });
    });
  });
  return documents;
}

/** The items of a Kubernetes list object (`kind: List`, `kind: PodList`, …), if it is one. */
function listItems(content: unknown): readonly unknown[] | undefined {
  if (typeof content !== 'object' || content === null || Array.isArray(content)) return undefined;
  const { kind, items } = content as { kind?: unknown; items?: unknown };
  return typeof kind === 'string' && kind.endsWith('List') && Array.isArray(items)
    ? (items as unknown[])
    : undefined;
}
