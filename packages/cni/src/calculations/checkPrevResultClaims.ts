import type { NetworkSnapshot } from '../models/NetworkSnapshot.js';
import { parseCidr } from './ipAddress.js';
import type { PrevResultAttachment } from './teardownInputFromPrevResult.js';
import { vlanDeviceName } from './vlanDeviceName.js';

/**
 * What a podsg ADD result (`prevResult`) claims about a pod's wiring and the node does not show,
 * one sentence per difference (empty when every claim holds): the VLAN device `vlan.eth.N` and
 * the host veth on the host, each with the MAC the result lists; the pod interface in the pod's
 * namespace with each address the result lists. Only what the result says is checked: nothing is
 * assumed for what it does not say.
 *
 * @param expectedHostVeth - the host veth name the pod's identity gives (a result naming another
 *   is a difference)
 * @param pod - the pod's namespace, or null when it is gone
 */
export function checkPrevResultClaims(
  claims: PrevResultAttachment,
  expectedHostVeth: string,
  host: NetworkSnapshot,
  pod: NetworkSnapshot | null,
): string[] {
  const differences: string[] = [];
  const { teardown } = claims;
  const vlanDevice = vlanDeviceName(teardown.branch.vlanId);
  const vlanLink = host.links.find((link) => link.name === vlanDevice);
  if (vlanLink === undefined) {
    differences.push(`host link ${vlanDevice} is missing`);
  } else if (claims.branchMac !== undefined && vlanLink.mac !== claims.branchMac) {
    differences.push(
      `host link ${vlanDevice} has MAC ${vlanLink.mac}, expected ${claims.branchMac}`,
    );
  }
  const hostVeth = teardown.hostVeth ?? expectedHostVeth;
  if (hostVeth !== expectedHostVeth) {
    differences.push(`host veth in prevResult is ${hostVeth}, expected ${expectedHostVeth}`);
  }
  const vethLink = host.links.find((link) => link.name === hostVeth);
  if (vethLink === undefined) {
    differences.push(`host link ${hostVeth} is missing`);
  } else if (claims.hostVethMac !== undefined && vethLink.mac !== claims.hostVethMac) {
    differences.push(
      `host link ${hostVeth} has MAC ${vethLink.mac}, expected ${claims.hostVethMac}`,
    );
  }
  const ifName = teardown.ifName;
  if (pod === null) {
    differences.push(`pod namespace is gone, so pod link ${ifName} is missing`);
    return differences;
  }
  if (!pod.links.some((link) => link.name === ifName)) {
    differences.push(`pod link ${ifName} is missing`);
    return differences;
  }
  const onPodLink = new Set(
    pod.addresses
      .filter((address) => address.dev === ifName)
      .map((address) => parseCidr(address.cidr)?.address),
  );
  for (const address of [teardown.branch.privateIp, teardown.branch.ipv6Addr]) {
    if (address !== undefined && !onPodLink.has(address)) {
      differences.push(`pod address ${address} on ${ifName} is missing`);
    }
  }
  return differences;
}
