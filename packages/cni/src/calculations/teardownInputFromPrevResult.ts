import { CniError } from '../errors/CniError.js';
import type { EnforcingMode } from '../models/NetworkConfig.js';
import type { PodTeardownInput } from '../models/PodNetworkInput.js';
import { parseCidr, parseMac } from './ipAddress.js';
import { vlanIdOfDeviceName } from './vlanDeviceName.js';

/** What a podsg ADD result tells about the attachment it made. */
export interface PrevResultAttachment {
  teardown: PodTeardownInput;
  /** MAC of the host veth (from interface 0), when listed. */
  hostVethMac?: string;
  /** The branch MAC (of the VLAN device), when listed. */
  branchMac?: string;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Rebuilds a teardown input from a `prevResult` that podsg-cni produced (`podNetworkResult`):
 * the VLAN id from the `vlan.eth.N` interface, the host veth from the interface without a
 * sandbox, the pod's addresses from `ips`, the branch MAC from the VLAN device's `mac`.
 *
 * Returns null when the result lists no `vlan.eth.N` interface: it was not podsg's (a delegated
 * pod's result, to be handed to the delegate). Throws `CniError` `InvalidConfig` naming the
 * `prevResult` field when a podsg result is malformed.
 */
export function teardownInputFromPrevResult(
  prevResult: Readonly<Record<string, unknown>>,
  mode: EnforcingMode,
  ifName: string,
): PrevResultAttachment | null {
  const interfaces = prevResult.interfaces ?? [];
  if (!Array.isArray(interfaces)) {
    throw new CniError('InvalidConfig', 'prevResult.interfaces must be an array', {
      details: 'prevResult.interfaces',
    });
  }
  const named = interfaces.filter(isObject);
  const vlan = named.find(
    (entry) => typeof entry.name === 'string' && vlanIdOfDeviceName(entry.name) !== null,
  );
  if (vlan === undefined) return null;
  const vlanId = vlanIdOfDeviceName(String(vlan.name)) ?? 0;
  const hostVeth = named.find(
    (entry) =>
      entry !== vlan &&
      typeof entry.name === 'string' &&
      (entry.sandbox === undefined || entry.sandbox === ''),
  );
  const ips = Array.isArray(prevResult.ips) ? prevResult.ips.filter(isObject) : [];
  let privateIp: string | undefined;
  let ipv6Addr: string | undefined;
  for (const ip of ips) {
    const cidr = typeof ip.address === 'string' ? parseCidr(ip.address) : null;
    if (cidr?.family === 4) privateIp ??= cidr.address;
    if (cidr?.family === 6) ipv6Addr ??= cidr.address;
  }
  if (privateIp === undefined) {
    throw new CniError('InvalidConfig', 'prevResult.ips lists no IPv4 address for the pod', {
      details: 'prevResult.ips',
    });
  }
  const teardown: PodTeardownInput = {
    mode,
    ifName,
    branch: { vlanId, privateIp, ...(ipv6Addr === undefined ? {} : { ipv6Addr }) },
  };
  if (hostVeth !== undefined) teardown.hostVeth = String(hostVeth.name);
  const attachment: PrevResultAttachment = { teardown };
  const hostVethMac = typeof hostVeth?.mac === 'string' ? parseMac(hostVeth.mac) : null;
  if (hostVethMac !== null) attachment.hostVethMac = hostVethMac;
  const branchMac = typeof vlan.mac === 'string' ? parseMac(vlan.mac) : null;
  if (branchMac !== null) attachment.branchMac = branchMac;
  return attachment;
}
