import { CniError } from '../errors/CniError.js';
import type { CniErrorResult } from '../models/CniResult.js';

/**
 * The CNI error object for any thrown value: a `CniError` keeps its code, message and details;
 * anything else becomes code 999 (`Unexpected`, libcni's internal error) with its message. The spec lists `details` among
 * the error's keys (none is marked optional), so it is always there: the message itself when the
 * error carries nothing longer.
 */
export function formatCniError(cniVersion: string, error: unknown): CniErrorResult {
  const cniError = CniError.is(error)
    ? error
    : new CniError('Unexpected', error instanceof Error ? error.message : String(error), {
        cause: error,
      });
  const details =
    cniError.details !== undefined && cniError.details !== '' ? cniError.details : cniError.message;
  return { cniVersion, code: cniError.code, msg: cniError.message, details };
}
