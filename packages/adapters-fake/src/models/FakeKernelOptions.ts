/** A link the host namespace starts with (the node's own interfaces). */
export interface FakeHostLink {
  name: string;
  mac: string;
  mtu?: number;
  up?: boolean;
  /** Addresses on it, as `ip/prefix`. */
  addresses?: readonly string[];
}

/** Constructor options of `FakeKernel`. */
export interface FakeKernelOptions {
  /**
   * Links of the host namespace besides `lo`; default `eth0` and `eth1` (the trunk), up, MTU
   * 9001.
   */
  hostLinks?: readonly FakeHostLink[];
  /** Seed for the MACs of new pod-side veths; default 1. */
  seed?: number;
}
