import { CniError } from '../errors/CniError.js';
import type { CniArgs, CniCommand, CniEnvironment } from '../models/CniEnvironment.js';

const COMMANDS: readonly CniCommand[] = ['ADD', 'DEL', 'CHECK', 'VERSION', 'GC', 'STATUS'];

/**
 * Which variables each command requires, as the CNI spec's "Required environment parameters"
 * list them. The spec makes `CNI_PATH` optional for ADD, DEL, CHECK and STATUS (libcni's skel
 * insists on it, but runtimes always set it); only delegation needs it, and a delegation without
 * it fails with `DelegateNotFound`. GC requires it (spec 1.1.0).
 */
const REQUIRED: Readonly<Record<CniCommand, readonly string[]>> = {
  ADD: ['CNI_CONTAINERID', 'CNI_NETNS', 'CNI_IFNAME'],
  CHECK: ['CNI_CONTAINERID', 'CNI_NETNS', 'CNI_IFNAME'],
  // DEL may come without CNI_NETNS once the sandbox is gone: clean up what can be found.
  DEL: ['CNI_CONTAINERID', 'CNI_IFNAME'],
  GC: ['CNI_PATH'],
  STATUS: [],
  VERSION: [],
};

/** Linux's IFNAMSIZ less the terminating NUL: at most 15 bytes. */
const MAX_INTERFACE_NAME_BYTES = 15;

/** What Go's `unicode.IsSpace` (used by libcni's `ValidateInterfaceName`) calls whitespace. */
const IFNAME_FORBIDDEN = /[/:\s\u0085]/;

/** `CNI_ARGS` keys podsg understands; the runtimes set all of these. */
const KNOWN_ARGS = new Set([
  'IgnoreUnknown',
  'K8S_POD_NAMESPACE',
  'K8S_POD_NAME',
  'K8S_POD_UID',
  'K8S_POD_INFRA_CONTAINER_ID',
]);

function invalidEnvironment(variable: string, why: string, value?: string): CniError {
  return new CniError('InvalidEnvironment', `${variable} ${why}`, {
    details: value === undefined ? variable : `${variable}=${value}`,
  });
}

/**
 * Parses `CNI_ARGS` (`K=V;K=V`). Throws `CniError` `InvalidEnvironment` (code 4) naming
 * `CNI_ARGS` for a pair without `=`, an empty key, or an unknown key unless `IgnoreUnknown` is
 * `1` or `true`.
 */
export function parseCniArgs(text: string): CniArgs {
  const pairs: Record<string, string> = {};
  for (const pair of text.split(';')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    if (eq <= 0)
      throw invalidEnvironment('CNI_ARGS', `has an invalid pair ${JSON.stringify(pair)}`, text);
    pairs[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  const ignoreText = (pairs.IgnoreUnknown ?? '').toLowerCase();
  if (!['', '0', '1', 'true', 'false'].includes(ignoreText)) {
    throw invalidEnvironment('CNI_ARGS', `IgnoreUnknown must be true, false, 1 or 0`, text);
  }
  const ignoreUnknown = ignoreText === '1' || ignoreText === 'true';
  if (!ignoreUnknown) {
    const unknown = Object.keys(pairs).filter((key) => !KNOWN_ARGS.has(key));
    if (unknown.length > 0) {
      throw invalidEnvironment(
        'CNI_ARGS',
        `has unknown keys ${unknown.join(', ')} (set IgnoreUnknown=1)`,
        text,
      );
    }
  }
  const args: CniArgs = { ignoreUnknown, pairs };
  if (pairs.K8S_POD_NAMESPACE !== undefined) args.podNamespace = pairs.K8S_POD_NAMESPACE;
  if (pairs.K8S_POD_NAME !== undefined) args.podName = pairs.K8S_POD_NAME;
  if (pairs.K8S_POD_UID !== undefined) args.podUid = pairs.K8S_POD_UID;
  return args;
}

/**
 * Parses and validates the CNI environment variables for the command in `CNI_COMMAND`.
 *
 * Throws `CniError` `InvalidEnvironment` (code 4) naming the variable: `CNI_COMMAND` missing or
 * unknown, a variable the command requires missing or empty, `CNI_CONTAINERID` not of
 * `[A-Za-z0-9][A-Za-z0-9_.-]*`, `CNI_IFNAME` that is not a Linux interface name (1..15
 * bytes, not `.`/`..`, no `/`, `:` or whitespace), a malformed `CNI_ARGS`, or `CNI_NETNS`
 * that is not an absolute path. The container variables are read for ADD, CHECK and DEL only.
 */
export function parseCniEnvironment(
  env: Readonly<Record<string, string | undefined>>,
): CniEnvironment {
  const commandText = env.CNI_COMMAND ?? '';
  if (commandText === '') throw invalidEnvironment('CNI_COMMAND', 'is missing');
  const command = COMMANDS.find((known) => known === commandText);
  if (command === undefined) {
    throw invalidEnvironment('CNI_COMMAND', `must be one of ${COMMANDS.join(', ')}`, commandText);
  }
  const missing = REQUIRED[command].filter((name) => (env[name] ?? '') === '');
  if (missing.length > 0) {
    throw new CniError(
      'InvalidEnvironment',
      `${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} required by ${command} but missing`,
      { details: missing.join(',') },
    );
  }
  const result: CniEnvironment = {
    command,
    args: parseCniArgs(env.CNI_ARGS ?? ''),
    path: (env.CNI_PATH ?? '').split(':').filter((dir) => dir !== ''),
  };
  // As libcni's skel: the container id and interface name are checked (and kept) only for the
  // commands that take them; GC and STATUS ignore whatever else the runtime left in the environment.
  const takesAttachment = command === 'ADD' || command === 'CHECK' || command === 'DEL';
  const containerId = takesAttachment ? (env.CNI_CONTAINERID ?? '') : '';
  if (containerId !== '') {
    if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(containerId)) {
      throw invalidEnvironment('CNI_CONTAINERID', 'has invalid characters', containerId);
    }
    result.containerId = containerId;
  }
  const netns = takesAttachment ? (env.CNI_NETNS ?? '') : '';
  if (netns !== '') {
    if (!netns.startsWith('/')) {
      throw invalidEnvironment('CNI_NETNS', 'must be an absolute path', netns);
    }
    result.netns = netns;
  }
  const ifName = takesAttachment ? (env.CNI_IFNAME ?? '') : '';
  if (ifName !== '') {
    if (
      new TextEncoder().encode(ifName).length > MAX_INTERFACE_NAME_BYTES ||
      ifName === '.' ||
      ifName === '..' ||
      IFNAME_FORBIDDEN.test(ifName)
    ) {
      throw invalidEnvironment(
        'CNI_IFNAME',
        'is not an interface name (at most 15 bytes, not . or .., no /, : or whitespace)',
        ifName,
      );
    }
    result.ifName = ifName;
  }
  return result;
}
