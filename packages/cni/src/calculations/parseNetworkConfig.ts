import { CniError } from '../errors/CniError.js';
import type { CniCommand } from '../models/CniEnvironment.js';
import { SUPPORTED_CNI_VERSIONS } from '../models/NetworkConfig.js';
import type { CniAttachmentRef, NetworkConfig } from '../models/NetworkConfig.js';

type JsonObject = Record<string, unknown>;

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function invalidConfig(field: string, why: string): CniError {
  return new CniError('InvalidConfig', `network configuration field ${field} ${why}`, {
    details: field,
  });
}

/** Whether `version` is at least `minimum` (both dotted triples). */
export function cniVersionAtLeast(version: string, minimum: string): boolean {
  const a = version.split('.').map(Number);
  const b = minimum.split('.').map(Number);
  for (let i = 0; i < 3; i++) {
    const x = a[i] ?? 0;
    const y = b[i] ?? 0;
    if (x !== y) return x > y;
  }
  return true;
}

/** The CNI version a command first appeared in. */
const COMMAND_SINCE: Readonly<Partial<Record<CniCommand, string>>> = {
  CHECK: '0.4.0',
  GC: '1.1.0',
  STATUS: '1.1.0',
};

/**
 * The `cniVersion` a configuration declares (any non-empty string, spoken by podsg or not), else
 * null. The spec has error and VERSION results carry "the value of cniVersion specified on input",
 * so this labels them even when the rest of the input is bad.
 */
export function peekCniVersion(stdin: string): string | null {
  try {
    const parsed: unknown = JSON.parse(stdin);
    if (!isObject(parsed)) return null;
    const version = parsed.cniVersion;
    return typeof version === 'string' && version !== '' ? version : null;
  } catch {
    return null;
  }
}

function optionalString(config: JsonObject, field: string): string | undefined {
  const value = config[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw invalidConfig(field, 'must be a string');
  return value;
}

function optionalObject(config: JsonObject, field: string): JsonObject | undefined {
  const value = config[field];
  if (value === undefined || value === null) return undefined;
  if (!isObject(value)) throw invalidConfig(field, 'must be an object');
  return value;
}

function parseAttachments(value: unknown, field: string): CniAttachmentRef[] {
  if (!Array.isArray(value)) throw invalidConfig(field, 'must be an array');
  return value.map((entry: unknown, index) => {
    if (
      !isObject(entry) ||
      typeof entry.containerID !== 'string' ||
      typeof entry.ifname !== 'string'
    ) {
      throw invalidConfig(
        `${field}[${index}]`,
        'must be {"containerID": string, "ifname": string}',
      );
    }
    return { containerID: entry.containerID, ifname: entry.ifname };
  });
}

/**
 * Parses and validates podsg-cni's network configuration (stdin) for `command`, filling in the
 * defaults (docs/architecture.md, "Pod networking and the agent protocol").
 *
 * Throws `CniError`:
 * - `DecodeFailure` (code 6) when stdin is not a JSON object;
 * - `DecodeFailure` (code 6) when `cniVersion` is not a string;
 * - `IncompatibleVersion` (code 1) when `cniVersion` is not one of `SUPPORTED_CNI_VERSIONS`
 *   (details list them; a missing one is 0.1.0, as libcni reads it), or the command is newer
 *   than it (CHECK needs 0.4.0, GC and STATUS 1.1.0);
 * - `InvalidConfig` (code 7) naming the field for anything else malformed.
 */
export function parseNetworkConfig(stdin: string, command: CniCommand = 'ADD'): NetworkConfig {
  let parsed: unknown;
  try {
    parsed = JSON.parse(stdin);
  } catch (error) {
    throw new CniError('DecodeFailure', 'network configuration on stdin is not valid JSON', {
      details: error instanceof Error ? error.message : String(error),
      cause: error,
    });
  }
  if (!isObject(parsed)) {
    throw new CniError('DecodeFailure', 'network configuration on stdin is not a JSON object');
  }
  // libcni's skel checks the network name before the version.
  const name = optionalString(parsed, 'name');
  if (name === undefined || !/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(name)) {
    throw invalidConfig('name', 'must start with a letter or digit, then letters, digits, _ . -');
  }
  const versionText = parsed.cniVersion ?? '';
  if (typeof versionText !== 'string') {
    // libcni fails to decode such a configuration's version.
    throw new CniError('DecodeFailure', 'network configuration field cniVersion must be a string', {
      details: 'cniVersion',
    });
  }
  // libcni reads a configuration without cniVersion as 0.1.0, which podsg does not speak.
  const declared = versionText === '' ? '0.1.0' : versionText;
  const cniVersion = SUPPORTED_CNI_VERSIONS.find((known) => known === declared);
  if (cniVersion === undefined) {
    throw new CniError(
      'IncompatibleVersion',
      `incompatible CNI version ${declared}${versionText === '' ? ' (cniVersion is missing)' : ''}: podsg-cni supports ${SUPPORTED_CNI_VERSIONS.join(', ')}`,
      { details: `supportedVersions: ${SUPPORTED_CNI_VERSIONS.join(', ')}` },
    );
  }
  const since = COMMAND_SINCE[command];
  if (since !== undefined && !cniVersionAtLeast(cniVersion, since)) {
    throw new CniError(
      'IncompatibleVersion',
      `configuration version ${cniVersion} does not allow ${command} (needs ${since} or later)`,
      { details: `supportedVersions: ${SUPPORTED_CNI_VERSIONS.join(', ')}` },
    );
  }

  const type = optionalString(parsed, 'type');
  // The spec: `type` names the plugin binary, so it cannot hold a path separator.
  if (type === undefined || type === '' || /[/\\\0]/.test(type)) {
    throw invalidConfig('type', 'must be a plugin name (a non-empty string without / or \\)');
  }

  const mode = optionalString(parsed, 'podSGEnforcingMode') ?? 'strict';
  if (mode !== 'strict' && mode !== 'standard') {
    throw invalidConfig('podSGEnforcingMode', 'must be "strict" or "standard"');
  }
  const mtu = parsed.mtu ?? 9001;
  if (typeof mtu !== 'number' || !Number.isInteger(mtu) || mtu < 576 || mtu > 9001) {
    throw invalidConfig('mtu', 'must be an integer from 576 to 9001');
  }
  const vethPrefix = optionalString(parsed, 'vethPrefix') ?? 'eni';
  if (!/^[a-z0-9]{1,4}$/.test(vethPrefix)) {
    throw invalidConfig('vethPrefix', 'must be 1 to 4 characters of [a-z0-9]');
  }
  const agentSocket = optionalString(parsed, 'agentSocket') ?? '/run/podsg/agent.sock';
  if (!agentSocket.startsWith('/')) throw invalidConfig('agentSocket', 'must be an absolute path');

  const config: NetworkConfig = {
    cniVersion,
    name,
    type,
    podSGEnforcingMode: mode,
    mtu,
    vethPrefix,
    agentSocket,
  };

  const delegate = optionalObject(parsed, 'delegate');
  if (delegate !== undefined) {
    const delegateType = delegate.type;
    // The type names an executable on CNI_PATH: a path in it would escape CNI_PATH.
    if (typeof delegateType !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(delegateType)) {
      throw invalidConfig('delegate.type', 'must name a plugin (letters, digits, _ . -)');
    }
    config.delegate = { ...delegate, type: delegateType };
  }
  const logFile = optionalString(parsed, 'logFile');
  if (logFile !== undefined && logFile !== '') {
    if (!logFile.startsWith('/')) throw invalidConfig('logFile', 'must be an absolute path');
    config.logFile = logFile;
  }
  const prevResult = optionalObject(parsed, 'prevResult');
  if (prevResult !== undefined) config.prevResult = prevResult;
  const runtimeConfig = optionalObject(parsed, 'runtimeConfig');
  if (runtimeConfig !== undefined) config.runtimeConfig = runtimeConfig;
  const args = optionalObject(parsed, 'args');
  if (args !== undefined) config.args = args;
  // libcni sends both names: `cni.dev/attachments` was the spec's earlier spelling.
  for (const field of ['cni.dev/valid-attachments', 'cni.dev/attachments']) {
    if (parsed[field] !== undefined && config.validAttachments === undefined) {
      config.validAttachments = parseAttachments(parsed[field], field);
    }
  }
  return config;
}
