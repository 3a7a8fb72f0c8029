import type { CniEnvironment } from '../models/CniEnvironment.js';

/** Parses and validates the CNI environment variables for the command in `CNI_COMMAND`. */
export function parseCniEnvironment(
  _env: Readonly<Record<string, string | undefined>>,
): CniEnvironment {
  throw new Error('not implemented yet');
}
