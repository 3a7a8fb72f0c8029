import type { ModelledInterface, SecurityGroup } from '@podsg/policy';

/** What `compileFabricRuleset` turns into one nftables ruleset. */
export interface FabricRulesetInput {
  /** Every interface whose groups the fabric enforces: branch ENIs, a database's interface. */
  readonly interfaces: readonly FabricInterface[];
  /** The groups with their rules (for example from `parseSecurityGroups`). */
  readonly securityGroups: readonly SecurityGroup[];
  /** The nftables table (family `inet`); default `podsg_vpc`. */
  readonly tableName?: string;
}

/**
 * An interface as the fabric sees it. Its traffic is recognised by `device` when given (the
 * fabric's end of its link, e.g. the VLAN device terminating a branch), else by its addresses.
 */
export interface FabricInterface extends ModelledInterface {
  /** The fabric-side network device of this interface alone (1–15 characters). */
  readonly device?: string;
}
