import { describe, expect, it } from 'vitest';
import { parseManifestText } from './parseManifestText.js';

describe('parseManifestText', () => {
  it('returns one entry per document with its 1-based number and first content line', () => {
    const text = ['# comment', 'kind: A', '---', '', 'kind: B', '---', 'kind: C'].join('\n');
    const documents = parseManifestText(text, 'f.yaml');
    expect(documents.map((document) => [document.content, document.source])).toEqual([
      [{ kind: 'A' }, { file: 'f.yaml', document: 1, line: 2 }],
      [{ kind: 'B' }, { file: 'f.yaml', document: 2, line: 5 }],
      [{ kind: 'C' }, { file: 'f.yaml', document: 3, line: 7 }],
    ]);
  });

  it('drops empty documents but keeps the numbering of the others', () => {
    const documents = parseManifestText('---\n# nothing\n---\nkind: B\n---\n', 'f.yaml');
    expect(documents).toHaveLength(1);
    expect(documents[0]?.source.document).toBe(2);
  });

  it('reports a YAML syntax error on its document without losing the others', () => {
    const documents = parseManifestText('kind: A\n---\nkey: [unclosed\n---\nkind: C\n', 'f.yaml');
    expect(documents).toHaveLength(3);
    expect(documents[1]?.yamlError).toMatch(/./);
    expect(documents[1]?.content).toBeUndefined();
    expect(documents[2]?.content).toEqual({ kind: 'C' });
  });

  it('treats duplicate keys as an error, as the API server would', () => {
    expect(parseManifestText('a: 1\na: 2\n', 'f.yaml')[0]?.yamlError).toMatch(/unique|duplicate/i);
  });

  it('expands kind: List items, each with its own line and item index', () => {
    const text = [
      'apiVersion: v1',
      'kind: List',
      'items:',
      '  - kind: A',
      '  - kind: B',
      '    extra: 1',
      '  - kind: C',
    ].join('\n');
    expect(
      parseManifestText(text, 'l.yaml').map((d) => [d.content, d.source.line, d.source.item]),
    ).toEqual([
      [{ kind: 'A' }, 4, 0],
      [{ kind: 'B', extra: 1 }, 5, 1],
      [{ kind: 'C' }, 7, 2],
    ]);
  });

  it('reads JSON, and YAML 1.1 booleans as Kubernetes does', () => {
    expect(parseManifestText('{"kind": "Pod", "n": 1}', 'p.json')[0]?.content).toEqual({
      kind: 'Pod',
      n: 1,
    });
    expect(parseManifestText('on: yes\n', 'f.yaml')[0]?.content).toEqual({ true: true });
  });

  it('returns nothing for an empty file', () => {
    expect(parseManifestText('', 'f.yaml')).toEqual([]);
  });

  it('refuses an alias bomb naming the document, instead of expanding it', () => {
    const levels = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 9; i++) {
      const previous = String.fromCharCode(96 + i);
      const name = String.fromCharCode(97 + i);
      levels.push(`${name}: &${name} [${Array(10).fill(`*${previous}`).join(', ')}]`);
    }
    const text = `kind: ConfigMap\n---\n${levels.join('\n')}\n`;
    expect(() => parseManifestText(text, 'bomb.yaml')).toThrow(
      'bomb.yaml:3 (document 2): YAML refused: aliases expand more than 100 times (an alias bomb?)',
    );
  });

  it('still reads ordinary anchors and merge keys', () => {
    const text =
      'base: &base { app: web }\nlabels: { <<: *base, tier: front }\nmore: [*base, *base]\n';
    expect(parseManifestText(text, 'f.yaml')[0]?.content).toEqual({
      base: { app: 'web' },
      labels: { app: 'web', tier: 'front' },
      more: [{ app: 'web' }, { app: 'web' }],
    });
  });
});
