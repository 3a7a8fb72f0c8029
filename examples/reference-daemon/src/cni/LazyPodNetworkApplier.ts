import type { NetworkSnapshot, PodNetworkApplier, PodSandbox, RoutePlan } from '@podsg/cni';

/**
 * A `PodNetworkApplier` that loads the real one on first use. Most plugin runs never touch the
 * kernel through it (VERSION, pods handed to the delegate, try-again answers, bad input), and
 * loading the Linux adapters costs those runs start-up time for nothing.
 */
export class LazyPodNetworkApplier implements PodNetworkApplier {
  readonly #load: () => Promise<PodNetworkApplier>;
  #applier: Promise<PodNetworkApplier> | undefined;

  /** @param load - creates the real applier; called once, on the first `apply` or `snapshot`. */
  constructor(load: () => Promise<PodNetworkApplier>) {
    this.#load = load;
  }

  async apply(plan: RoutePlan, sandbox: PodSandbox | null): Promise<void> {
    return (await this.#real()).apply(plan, sandbox);
  }

  async snapshot(sandbox: PodSandbox | null): Promise<NetworkSnapshot> {
    return (await this.#real()).snapshot(sandbox);
  }

  #real(): Promise<PodNetworkApplier> {
    this.#applier ??= this.#load();
    return this.#applier;
  }
}
