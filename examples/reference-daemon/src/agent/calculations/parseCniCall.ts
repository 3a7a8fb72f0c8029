import { CniError } from '@podsg/cni';

/** One CNI call as the forwarding shim hands it over: its environment and its stdin. */
export interface CniCall {
  /** The `CNI_*` variables and `PATH`, as the container runtime set them. */
  readonly env: Readonly<Record<string, string>>;
  /** The network configuration, as the runtime wrote it to the plugin's stdin. */
  readonly stdin: string;
}

/** The variables a call may carry: the CNI spec's `CNI_*` set, and `PATH` for the delegate. */
const FORWARDED_NAME = /^(?:CNI_[A-Z0-9_]{1,64}|PATH)$/;
/** More than the spec's six `CNI_*` variables plus a runtime's own (`CNI_ARGS`, …). */
const MAX_VARIABLES = 32;
/** `CNI_ARGS` and `CNI_PATH` are the long ones; a few hundred bytes in practice. */
const MAX_VALUE_BYTES = 16 * 1024;

/**
 * Reads the body of `POST /v1/cni` (docs/architecture.md, "The CNI endpoint"): `NAME=VALUE\0` per
 * variable, an empty entry `\0`, then the stdin bytes (UTF-8). Throws `CniError` of kind
 * `InvalidEnvironment` whose message and `details` name the variable (or `(body)`) when the body
 * is not that, or carries a variable that is not forwarded, twice, or too long.
 */
export function parseCniCall(body: Uint8Array): CniCall {
  const env: Record<string, string> = {};
  const invalid = (message: string, field: string): CniError =>
    new CniError('InvalidEnvironment', `CNI call from the podsg-cni shim: ${message}`, {
      details: field,
    });
  let start = 0;
  let count = 0;
  for (;;) {
    const end = body.indexOf(0, start);
    if (end < 0) throw invalid('the environment does not end with an empty entry', '(body)');
    if (end === start) {
      start = end + 1;
      break;
    }
    const entry = Buffer.from(body.subarray(start, end)).toString('utf8');
    const equals = entry.indexOf('=');
    const name = equals < 0 ? entry : entry.slice(0, equals);
    if (equals < 0 || !FORWARDED_NAME.test(name)) {
      throw invalid(
        `${JSON.stringify(name.slice(0, 80))} is not a forwarded variable`,
        name.slice(0, 80),
      );
    }
    if (Object.hasOwn(env, name)) throw invalid(`${name} is given twice`, name);
    if (end - start - equals - 1 > MAX_VALUE_BYTES) {
      throw invalid(`${name} is longer than ${String(MAX_VALUE_BYTES)} bytes`, name);
    }
    count += 1;
    if (count > MAX_VARIABLES)
      throw invalid(`more than ${String(MAX_VARIABLES)} variables`, '(body)');
    env[name] = entry.slice(equals + 1);
    start = end + 1;
  }
  return { env, stdin: Buffer.from(body.subarray(start)).toString('utf8') };
}
