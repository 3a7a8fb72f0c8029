import { readdir, stat } from 'node:fs/promises';
import { extname, join, resolve } from 'node:path';
import { appendAll } from '../../../collections/appendAll.js';
import { PodsgdCliError } from '../../../cli/errors/PodsgdCliError.js';
import { readInputFile, unreadableFile } from '../../../io/readInputFile.js';
import { parseManifestText } from '../calculations/parseManifestText.js';
import type { ManifestDocument } from '../models/ManifestDocument.js';

/** File name endings read from a directory. */
const manifestExtensions = new Set(['.yaml', '.yml', '.json']);

/**
 * Reads manifests from `path`, resolved against `cwd`: a file (any name), or a directory,
 * of which the `*.yaml`, `*.yml` and `*.json` files directly inside it are read in name
 * order (not subdirectories, as `kubectl apply -f DIR` without `-R`).
 *
 * Sources name files as the operator wrote them (`path`, or `path/<file>`).
 *
 * @throws PodsgdCliError `Unreadable` when the path cannot be read (saying why: `ENOENT`,
 * `EACCES`, too large), or a directory holds no manifest files.
 */
export async function readManifestFiles(path: string, cwd: string): Promise<ManifestDocument[]> {
  const absolute = resolve(cwd, path);
  const stats = await stat(absolute).catch((error: unknown) => {
    throw unreadableFile(path, error);
  });
  if (!stats.isDirectory()) return parseManifestText(await readInputFile(absolute, path), path);

  const entries = await readdir(absolute, { withFileTypes: true }).catch((error: unknown) => {
    throw unreadableFile(path, error);
  });
  const names = entries
    .filter((entry) => !entry.isDirectory() && manifestExtensions.has(extname(entry.name)))
    .map((entry) => entry.name)
    .sort();
  if (names.length === 0) {
    throw new PodsgdCliError(
      'Unreadable',
      `${path}: directory holds no *.yaml, *.yml or *.json files (subdirectories are not read)`,
      path,
    );
  }
  const documents: ManifestDocument[] = [];
  for (const name of names) {
    const shown = join(path, name);
    appendAll(
      documents,
      parseManifestText(await readInputFile(join(absolute, name), shown), shown),
    );
  }
  return documents;
}
