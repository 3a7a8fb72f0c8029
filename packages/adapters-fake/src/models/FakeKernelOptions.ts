import type { PlanStep } from '@podsg/cni';

/** A link the host namespace starts with (the node's own interfaces). */
export interface FakeHostLink {
  name: string;
  mac: string;
  mtu?: number;
  up?: boolean;
  /** Addresses on it, as `ip/prefix`. */
  addresses?: readonly string[];
}

/** The errors an injected kernel fault answers with (errno names, as netlink reports them). */
export type KernelFaultErrno = 'EPERM' | 'ENOMEM' | 'EBUSY';

/**
 * An injected kernel refusal: each step whose `op` matches (every step with `'*'`) fails with
 * probability `rate`, drawn from the seeded random source, and takes no effect — as when the
 * kernel refuses a netlink request (no CAP_NET_ADMIN, out of memory, a busy device).
 */
export interface KernelFaultRule {
  op: PlanStep['op'] | '*';
  /** Probability in [0, 1]. */
  rate: number;
  /** The errno the step fails with; default `EPERM`. */
  errno?: KernelFaultErrno;
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
  /** Failures injected into plan steps; default none. */
  faults?: readonly KernelFaultRule[];
}
