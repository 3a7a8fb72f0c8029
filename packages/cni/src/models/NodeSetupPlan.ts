import type { EnforcingMode } from './NetworkConfig.js';
import type { RoutePlan } from './RoutePlan.js';

/** One nftables rule: its statement text (nft syntax) and why it is there. */
export interface NftRule {
  /** The rule as `nft` reads it after `add rule <family> <table> <chain>`. */
  statement: string;
  /** Why the rule exists, rendered as an nft `comment`. */
  comment: string;
}

/** A base chain of an nftables table. */
export interface NftChain {
  name: string;
  type: 'filter' | 'route' | 'nat';
  hook: 'prerouting' | 'input' | 'forward' | 'output' | 'postrouting';
  /** Hook priority (`mangle` is -150). */
  priority: number;
  policy: 'accept' | 'drop';
  rules: NftRule[];
}

/** An nftables table that a node firewall adapter replaces atomically (`nft -f -`). */
export interface NftTable {
  family: 'ip' | 'ip6' | 'inet';
  name: string;
  chains: NftChain[];
}

/** What `planNodeSetup` needs. */
export interface NodeSetupInput {
  mode: EnforcingMode;
  /** The node's primary link (`eth0`), where NodePort and host traffic arrive; default `eth0`. */
  primaryLink?: string;
  /** Host veth prefix of standard mode pods; default `eni`. */
  vethPrefix?: string;
  /** Whether pods get IPv6 addresses too, so the rules are needed for both families. */
  ipv6?: boolean;
}

/** The once-per-node setup: policy rules to apply, and in standard mode a firewall table. */
export interface NodeSetupPlan {
  routePlan: RoutePlan;
  /** Standard mode only: the connmark table; null in strict mode. */
  firewall: NftTable | null;
}
