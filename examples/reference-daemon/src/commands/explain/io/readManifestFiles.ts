import { readdir, readFile, stat } from 'node:fs/promises';
import { extname, join, resolve } from 'node:path';
import { PodsgdCliError } from '../../../cli/errors/PodsgdCliError.js';
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
 * @throws PodsgdCliError `Unreadable` when the path cannot be read or a directory holds
 * no manifest files.
 */
export async function readManifestFiles(path: string, cwd: string): Promise<ManifestDocument[]> {
  const absolute = resolve(cwd, path);
  const stats = await stat(absolute).catch((error: unknown) => {
    throw unreadable(path, error);
  });
  if (!stats.isDirectory()) return parseManifestText(await readText(absolute, path), path);

  const entries = await readdir(absolute, { withFileTypes: true }).catch((error: unknown) => {
    throw unreadable(path, error);
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
    documents.push(...parseManifestText(await readText(join(absolute, name), shown), shown));
  }
  return documents;
}

async function readText(absolute: string, shown: string): Promise<string> {
  try {
    return await readFile(absolute, 'utf8');
  } catch (error) {
    throw unreadable(shown, error);
  }
}

function unreadable(shown: string, cause: unknown): PodsgdCliError {
  const code =
    typeof cause === 'object' && cause !== null && 'code' in cause ? String(cause.code) : '';
  const why =
    code === 'ENOENT'
      ? 'no such file or directory'
      : code === 'EACCES'
        ? 'permission denied'
        : code === 'EISDIR'
          ? 'is a directory'
          : cause instanceof Error
            ? cause.message
            : String(cause);
  return new PodsgdCliError('Unreadable', `${shown}: cannot read: ${why}`, shown, { cause });
}
