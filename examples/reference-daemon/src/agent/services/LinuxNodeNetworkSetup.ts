import { planNodeSetup } from '@podsg/cni';
import type { NodeNetworkSetup } from '../ports/NodeNetworkSetup.js';

/**
 * `NodeNetworkSetup` on the host's kernel: `planNodeSetup` of `@podsg/cni`, applied by
 * `applyNodeSetup` of `@podsg/adapters-aws/linux` (iproute2 and nft, loaded on first use).
 */
export class LinuxNodeNetworkSetup implements NodeNetworkSetup {
  readonly #input: { mode: 'strict' | 'standard'; primaryLink: string; vethPrefix: string };

  constructor(input: { mode: 'strict' | 'standard'; primaryLink: string; vethPrefix: string }) {
    this.#input = input;
  }

  async apply(): Promise<void> {
    const plan = planNodeSetup(this.#input);
    const { applyNodeSetup, Iproute2PodNetworkApplier, NftNodeFirewall } =
      await import('@podsg/adapters-aws/linux');
    await applyNodeSetup(plan, {
      applier: new Iproute2PodNetworkApplier(),
      firewall: new NftNodeFirewall(),
    });
  }
}
