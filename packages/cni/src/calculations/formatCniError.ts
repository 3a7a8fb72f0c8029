import { CniError } from '../errors/CniError.js';
import type { CniErrorResult } from '../models/CniResult.js';

/**
 * The CNI error object for any thrown value: a `CniError` keeps its code, message and details;
 * anything else becomes code 199 (`Unexpected`) with its message.
 */
export function formatCniError(cniVersion: string, error: unknown): CniErrorResult {
  const cniError = CniError.is(error)
    ? error
    : new CniError('Unexpected', error instanceof Error ? error.message : String(error), {
        cause: error,
      });
  const result: CniErrorResult = { cniVersion, code: cniError.code, msg: cniError.message };
  if (cniError.details !== undefined && cniError.details !== '') result.details = cniError.details;
  return result;
}
