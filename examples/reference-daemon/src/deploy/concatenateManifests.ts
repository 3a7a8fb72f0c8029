import { readFileSync, readdirSync } from 'node:fs';

/** The header of the generated `deploy/podsg.yaml`. */
export const PODSG_YAML_HEADER = [
  '# podsg: security groups for pods. GENERATED from deploy/parts/ by',
  '#   npm run deploy:build -w examples/reference-daemon',
  '# (a test fails when this file and the parts differ). Fill in the values marked FILL IN,',
  '# install cert-manager, then: kubectl apply -f podsg.yaml',
].join('\n');

/**
 * The one file an operator applies: the header, then each part (name order) as YAML documents
 * separated by `---`, each preceded by a comment naming its part.
 */
export function concatenateManifests(parts: readonly { name: string; text: string }[]): string {
  const sorted = [...parts].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return `${[PODSG_YAML_HEADER, ...sorted.map((part) => `# ── parts/${part.name}\n${part.text.trimEnd()}`)].join('\n---\n')}\n`;
}

/** The `*.yaml` files of `deploy/parts/` under `deployDir` (a directory URL ending in `/`). */
export function readManifestParts(deployDir: URL): { name: string; text: string }[] {
  const parts = new URL('parts/', deployDir);
  return readdirSync(parts)
    .filter((name) => name.endsWith('.yaml'))
    .map((name) => ({ name, text: readFileSync(new URL(name, parts), 'utf8') }));
}
