import { planNodeSetup, planPodNetwork } from '@podsg/cni';
import type { PodNetworkInput } from '@podsg/cni';
import {
  Iproute2PodNetworkApplier,
  NftNodeFirewall,
  applyNodeSetup,
} from '@podsg/adapters-aws/linux';

// Needs root, iproute2 and (standard mode) nftables: compiled in CI, run on a node.
export async function wirePod(input: PodNetworkInput, netns: string): Promise<void> {
  const applier = new Iproute2PodNetworkApplier();
  await applier.apply(planPodNetwork(input), { netns }); // wire a pod
  const hostState = await applier.snapshot(null); // NetworkSnapshot of the host namespace
  const podState = await applier.snapshot({ netns });
  console.log(hostState.links.length, podState.addresses.length);

  // Once per node (node agent): rule moves, and in standard mode the connmark table.
  await applyNodeSetup(planNodeSetup({ mode: 'standard' }), {
    applier,
    firewall: new NftNodeFirewall(),
  });
}
