import { open } from 'node:fs/promises';
import { PodsgdCliError } from '../cli/errors/PodsgdCliError.js';

/**
 * The largest file `podsgd` reads (64 MiB): 150,000 manifests fit many times over, while a
 * runaway file is refused before it is parsed.
 */
export const MAX_INPUT_FILE_BYTES = 64 * 1024 * 1024;

/**
 * Reads a text file the operator named, at most `maxBytes` long.
 *
 * @param absolute - the path to open.
 * @param shown - the path as the operator wrote it, for messages.
 * @throws PodsgdCliError `Unreadable` saying why: `no such file or directory (ENOENT)`,
 * `permission denied (EACCES)`, `is a directory (EISDIR)`, or that the file is too large.
 */
export async function readInputFile(
  absolute: string,
  shown: string,
  maxBytes = MAX_INPUT_FILE_BYTES,
): Promise<string> {
  try {
    const handle = await open(absolute, 'r');
    try {
      const { size } = await handle.stat();
      if (size > maxBytes) {
        throw new PodsgdCliError(
          'Unreadable',
          `${shown}: cannot read: ${size} bytes is more than the ${maxBytes} bytes podsgd reads from one file`,
          shown,
        );
      }
      return await handle.readFile('utf8');
    } finally {
      await handle.close();
    }
  } catch (error) {
    if (PodsgdCliError.is(error)) throw error;
    throw unreadableFile(shown, error);
  }
}

/**
 * The operator's error for a path that cannot be read: the reason in words and its errno code
 * (`no such file or directory (ENOENT)`), or the system's message for anything rarer.
 */
export function unreadableFile(shown: string, cause: unknown): PodsgdCliError {
  const code =
    typeof cause === 'object' && cause !== null && 'code' in cause ? String(cause.code) : '';
  const reasons: Record<string, string> = {
    ENOENT: 'no such file or directory',
    EACCES: 'permission denied',
    EPERM: 'operation not permitted',
    EISDIR: 'is a directory',
    ENOTDIR: 'a part of the path is not a directory',
    ELOOP: 'too many symbolic links',
    EMFILE: 'too many open files',
  };
  const reason = reasons[code];
  const why =
    reason !== undefined
      ? `${reason} (${code})`
      : cause instanceof Error
        ? cause.message
        : String(cause);
  return new PodsgdCliError('Unreadable', `${shown}: cannot read: ${why}`, shown, { cause });
}
