/**
 * The once-per-node network setup of the enforcing mode (strict: the local-rule move;
 * standard: the nft connmark table and fwmark rule), applied by the node agent at every start.
 * Idempotent. Throws when the kernel refuses a step (the agent then exits non-zero).
 */
export interface NodeNetworkSetup {
  apply(): Promise<void>;
}
