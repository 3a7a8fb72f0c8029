import type { CniIpConfig, CniResult } from '../models/CniResult.js';
import type { CniVersion } from '../models/NetworkConfig.js';
import type { PodNetworkInput } from '../models/PodNetworkInput.js';
import { cniVersionAtLeast } from './parseNetworkConfig.js';
import { podAddressing } from './podAddressing.js';

/**
 * The ADD result for a wired pod, in the shape of `cniVersion`.
 *
 * Interfaces, in this order: 0 the host veth (with its MAC), 1 the pod interface (with `sandbox`
 * = `CNI_NETNS`), 2 the VLAN device `vlan.eth.N` (with the branch MAC). The pod's addresses are
 * `/32` and `/128` on interface 1, with the link-local gateways the pod routes through.
 * 0.3.x and 0.4.0 add each IP's `version`; 1.1.0 adds the interfaces' `mtu`.
 *
 * Together with `CNI_IFNAME` the result is enough for DEL to tear the pod down
 * (`teardownInputFromPrevResult`).
 */
export function podNetworkResult(
  cniVersion: CniVersion,
  input: PodNetworkInput,
  netns: string,
): CniResult {
  const { ifName, hostVeth, vlanDevice, families } = podAddressing(input);
  const withMtu = cniVersionAtLeast(cniVersion, '1.1.0');
  const withIpVersion = !cniVersionAtLeast(cniVersion, '1.0.0');
  const mtu = withMtu ? { mtu: input.mtu } : {};
  return {
    cniVersion,
    interfaces: [
      { name: hostVeth, mac: input.hostVethMac.toLowerCase(), ...mtu },
      { name: ifName, ...mtu, sandbox: netns },
      { name: vlanDevice, mac: input.branch.ifAddress.toLowerCase() },
    ],
    ips: families.map((f): CniIpConfig => ({
      ...(withIpVersion ? { version: f.family === 4 ? '4' : '6' } : {}),
      address: f.podHostCidr,
      gateway: f.podGateway,
      interface: 1,
    })),
    routes: families.map((f) => ({
      dst: f.family === 4 ? '0.0.0.0/0' : '::/0',
      gw: f.podGateway,
    })),
  };
}
